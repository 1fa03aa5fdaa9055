/** Port I/O and memory-mapped I/O: handlers devices implement and the spaces they register in. */
package dev.tern.spi.io;
