/**
 * Saved-state test support: a generic encoding and deep comparison of state records, and
 * {@link dev.tern.testkit.state.GoldenEncoding}, the golden-byte and old-version fixture checks
 * every section's encoding is held to.
 */
package dev.tern.testkit.state;
