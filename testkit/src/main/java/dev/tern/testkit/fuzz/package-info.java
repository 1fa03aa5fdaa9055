/**
 * The contract every fuzz target asserts about a parser of hostile input: it accepts the input or
 * refuses it with its one documented exception type and a message naming what was wrong and where;
 * no other exception escapes, and no input makes it allocate beyond a stated bound.
 */
package dev.tern.testkit.fuzz;
