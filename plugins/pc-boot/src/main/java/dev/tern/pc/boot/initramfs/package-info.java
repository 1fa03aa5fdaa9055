/**
 * The guest's initial RAM filesystem: {@link dev.tern.pc.boot.initramfs.Initramfs} writes a
 * reproducible cpio "newc" archive, {@link dev.tern.pc.boot.initramfs.KernelModule} reads a
 * module's {@code .modinfo}, {@link dev.tern.pc.boot.initramfs.ModuleOrder} sorts modules so
 * dependencies load first, and {@link dev.tern.pc.boot.initramfs.InitramfsBuilder} assembles
 * busybox, virtio modules and an {@code /init} script from Debian packages.
 */
package dev.tern.pc.boot.initramfs;
