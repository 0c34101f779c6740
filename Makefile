# SPDX-License-Identifier: GPL-2.0
#
# Convenience targets. Kbuild (read by kbuild in preference to this file)
# describes the module; `make -C <kdir> M=$PWD modules` works without this.

KDIR ?= /lib/modules/$(shell uname -r)/build

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

# Every test, on emulated KVM hosts; installs what it needs (root, Debian 12).
check:
	selftests/run.sh

# Boots an emulated KVM host, starts sample VMs, shows the tree.
demo:
	selftests/run-vm.sh --kernel deb612 --demo

.PHONY: modules clean check demo
