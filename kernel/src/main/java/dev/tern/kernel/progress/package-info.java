/**
 * Progress display for long operations (snapshot saves, migrations) when a person is watching a
 * terminal; silent otherwise, so logs and test output stay clean.
 */
package dev.tern.kernel.progress;
