/**
 * Progress of long operations (snapshot saves, migrations) as a listener; front ends decide how to
 * show it (the CLI draws a bar on a terminal).
 */
package dev.tern.kernel.progress;
