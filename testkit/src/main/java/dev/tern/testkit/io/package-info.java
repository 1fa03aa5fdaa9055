/** Port and MMIO spaces for tests. */
package dev.tern.testkit.io;
