/** dev.tern.cli */
package dev.tern.cli;
