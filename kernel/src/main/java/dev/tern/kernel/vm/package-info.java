/** The VM's run state and the validated transitions between states. */
package dev.tern.kernel.vm;
