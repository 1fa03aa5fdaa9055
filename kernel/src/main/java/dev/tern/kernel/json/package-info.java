/**
 * The kernel's JSON: one strict, size- and depth-bounded parser and writer on plain Java values, used
 * by the QMP server and by the saved-state stream's trailer.
 */
package dev.tern.kernel.json;
