/**
 * The APIC interrupt architecture: one xAPIC local APIC per vCPU, the I/O APIC, and the bus
 * between them that carries interrupt messages, IPIs and EOI broadcasts (docs/devices/apic.md).
 */
package dev.tern.devices.apic;
