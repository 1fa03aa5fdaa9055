/**
 * The debugger contract: {@link dev.tern.testkit.debug.DebugAccessContract} is the JUnit suite every
 * CPU plugin that offers {@link dev.tern.spi.cpu.DebugAccess} extends (the kernel's GDB stub relies
 * on exactly what it checks).
 */
package dev.tern.testkit.debug;
