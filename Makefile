# SPDX-License-Identifier: GPL-2.0
#
# Convenience targets. Kbuild (read by kbuild in preference to this file)
# describes the module; `make -C <kdir> M=$PWD modules` works without this.

KDIR ?= /lib/modules/$(shell uname -r)/build

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/kvmschedctl clean

# The command line (tools/kvmschedctl): libc only.
tools:
	$(MAKE) -C tools/kvmschedctl

# Every test, on emulated KVM hosts; installs what it needs (root, Debian 12).
check:
	selftests/run.sh

# Boots an emulated KVM host, starts sample VMs, shows the tree.
demo:
	selftests/run-vm.sh --kernel deb612 --demo

.PHONY: modules clean tools check demo
