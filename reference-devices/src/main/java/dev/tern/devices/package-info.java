/** dev.tern.devices */
package dev.tern.devices;
