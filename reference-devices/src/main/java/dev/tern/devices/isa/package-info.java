/** What ISA devices share: byte-wide port decoding. */
package dev.tern.devices.isa;
