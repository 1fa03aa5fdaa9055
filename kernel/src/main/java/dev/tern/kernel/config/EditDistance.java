package dev.tern.kernel.config;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * Edit distance between names (optimal string alignment: Levenshtein plus swaps of adjacent
 * characters, the most common typo), used to suggest what a user meant when a key or id is misspelt.
 */
public final class EditDistance {

    private EditDistance() {
    }

    /**
     * The number of single-character insertions, deletions, substitutions and adjacent swaps turning
     * {@code a} into {@code b}, no substring being edited twice.
     */
    public static int between(String a, String b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int best = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    best = Math.min(best, d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        return d[a.length()][b.length()];
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
