/** Guest physical memory as seen by CPUs and devices. */
package dev.tern.spi.memory;
