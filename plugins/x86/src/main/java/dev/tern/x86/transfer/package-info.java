/**
 * Control transfers through the protection mechanism: interrupt and exception delivery through
 * the IDT ({@link dev.tern.x86.transfer.InterruptDelivery}), far JMP/CALL/RET/IRET through call
 * gates and privilege changes ({@link dev.tern.x86.transfer.FarTransfer}), hardware task
 * switches ({@link dev.tern.x86.transfer.TaskSwitch}, {@link dev.tern.x86.transfer.TaskImage}) and
 * the frames they push ({@link dev.tern.x86.transfer.StackFrame}).
 */
package dev.tern.x86.transfer;
