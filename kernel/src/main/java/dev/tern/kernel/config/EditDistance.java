package dev.tern.kernel.config;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * Levenshtein distance between names, used to suggest what a user probably meant when a key or id
 * is misspelt.
 */
public final class EditDistance {

    private EditDistance() {
    }

    /** The number of single-character insertions, deletions and substitutions turning {@code a} into {@code b}. */
    public static int between(String a, String b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * The candidate closest to {@code name}, if it is close enough to be a plausible typo: at most
     * half the length of the longer name (and at least one edit) away. Ties go to the first candidate.
     */
    public static Optional<String> closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = between(name, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        // Beyond this a "did you mean" guess is more confusing than helpful.
        int limit = Math.max(1, Math.max(name.length(), best.length()) / 2);
        return bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }
}
