"""What admins change about the office, one function per change, shared by the command
line and the workbench's admin pages; each change is written to the office audit log
(`tasks.admin.audit`) in the same transaction."""
