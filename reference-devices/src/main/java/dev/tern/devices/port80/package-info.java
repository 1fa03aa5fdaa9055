/** The POST code port 0x80. */
package dev.tern.devices.port80;
