/** A virtual clock advanced by the test. */
package dev.tern.testkit.clock;
