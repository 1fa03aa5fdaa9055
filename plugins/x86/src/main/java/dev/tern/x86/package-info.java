/** dev.tern.x86 */
package dev.tern.x86;
