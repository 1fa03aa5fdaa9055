/**
 * The {@code tern} command line: assembles a machine from flags (QEMU's vocabulary where it has a
 * word) and an optional config file, lists plugins, runs the x86 conformance vectors.
 */
package dev.tern.cli;
