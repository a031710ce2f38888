// SPDX-License-Identifier: GPL-2.0

//! The kernel crate's functions that allocate for a module, on a kernel
//! whose kernel crate was not audited (src/dropin/kcalls.rs is 6.12's):
//! none wrapped, nothing to check.

use kernel::prelude::*;

/// Nothing to check: no wrapper on this kernel.
pub(crate) fn check_abi() -> Result {
    Ok(())
}
