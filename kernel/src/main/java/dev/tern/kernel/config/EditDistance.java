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
        // Three rows of the table, not all of it: a name comes from the user (or a hostile config
        // file) and may be long, and every candidate is measured against it.
        int m = b.length();
        int[] twoBack = new int[m + 1];
        int[] back = new int[m + 1];
        int[] row = new int[m + 1];
        for (int j = 0; j <= m; j++) {
            back[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            row[0] = i;
            for (int j = 1; j <= m; j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int best = Math.min(back[j - 1] + cost, Math.min(back[j], row[j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    best = Math.min(best, twoBack[j - 2] + 1);
                }
                row[j] = best;
            }
            int[] spare = twoBack;
            twoBack = back;
            back = row;
            row = spare;
        }
        return back[m];
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
