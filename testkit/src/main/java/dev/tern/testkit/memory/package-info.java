/** Heap-backed guest memory. */
package dev.tern.testkit.memory;
