/** A generic encoding and deep comparison of saved-state records. */
package dev.tern.testkit.state;
