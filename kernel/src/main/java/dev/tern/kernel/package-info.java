/** dev.tern.kernel */
package dev.tern.kernel;
