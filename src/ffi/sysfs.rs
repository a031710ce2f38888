// SPDX-License-Identifier: GPL-2.0

//! Safe sysfs files: a [`Dir`] owns a reference to a kobject, a [`File`]
//! owns one file in it, and the kernel reaches the file's safe Rust
//! callbacks through generic `extern "C"` trampolines (one per kind of
//! callback, instantiated per file type), so that the users of this layer
//! write no `unsafe` and name no C structure.
//!
//! Three kinds of file:
//!
//! - [`Attribute`]: a `kobj_attribute` (`show` into a zeroed page, `store`
//!   of a write's bytes);
//! - [`BinWrite`]: a write-only binary attribute whose `write` sees each
//!   `write(2)` whole, with its offset;
//! - [`Open`]: a file whose every open has its own data (an `open` that
//!   builds it, reads that copy from it, a `release` that drops it).  A
//!   6.12 bin attribute has no open or release, so the file is created as
//!   a bin attribute of mode 0 and given kernfs operations of its own
//!   before it is made readable (`allocprof_create_file()`, in allocprof's
//!   C glue, src/ffi/helpers.c).
//!
//! The attributes and operations are constants of [`Vtable`], one per
//! file type: statics, which sysfs and lockdep want.
//!
//! This file uses only the kernel crate: allocprof mounts it as
//! `crate::ffi::sysfs`, and the test modules, separate crates, mount it
//! with `#[path]` (they use no [`Open`] file, which alone needs
//! allocprof's C glue).

use core::ffi::{c_int, c_void, CStr};
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{to_result, VTABLE_DEFAULT_ERROR};
use kernel::ffi::c_char;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

// The structures differ between the tested kernels (kernels.mk's cfg): a
// module that mounts this file without that cfg would silently take
// another kernel's layout.
#[cfg(not(any(allocprof_kernel_6_12, allocprof_kernel_7_3)))]
compile_error!(
    "src/ffi/sysfs.rs needs kernels.mk's cfg: include $(ALLOCPROF)/kernels.mk and add \
     $(allocprof_kernel_cfg) to rustflags-y"
);

/// A sysfs directory: a counted reference to its kobject.  Each [`File`]
/// holds one too, so the directory goes (with whatever is left in it) when
/// the last of them is dropped.
pub struct Dir(NonNull<bindings::kobject>);

// SAFETY: a kobject reference may be taken and dropped on any CPU; sysfs
// locks.
unsafe impl Send for Dir {}
// SAFETY: as above; `&Dir` only creates files and subdirectories.
unsafe impl Sync for Dir {}

impl Dir {
    /// Creates `/sys/kernel/<name>/`.
    pub fn new(name: &CStr) -> Result<Self> {
        Self::create(name, None)
    }

    /// Creates `<self>/<name>/`.
    pub fn subdir(&self, name: &CStr) -> Result<Self> {
        Self::create(name, Some(self))
    }

    fn create(name: &CStr, parent: Option<&Dir>) -> Result<Self> {
        // SAFETY: `name` is a C string, which the kobject copies; the parent
        // is a live kobject (`parent` holds a reference to it, and
        // `/sys/kernel`'s lives as long as the kernel).
        let kobj = unsafe {
            let parent = match parent {
                Some(dir) => dir.0.as_ptr(),
                None => bindings::kernel_kobj,
            };
            bindings::kobject_create_and_add(name.to_bytes_with_nul().as_ptr().cast(), parent)
        };
        NonNull::new(kobj).map(Dir).ok_or(ENOMEM)
    }

    /// Whether `<self>/<name>` exists.
    pub fn contains(&self, name: &CStr) -> bool {
        // SAFETY: the kobject is live and in sysfs (`sd`, its node, is set
        // while it is); the reference the look-up takes is dropped.
        unsafe {
            let kn = bindings::kernfs_find_and_get_ns(
                (*self.0.as_ptr()).sd,
                name.to_bytes_with_nul().as_ptr().cast(),
                core::ptr::null(),
            );
            if kn.is_null() {
                return false;
            }
            bindings::kernfs_put(kn);
        }
        true
    }

    /// Another reference to the directory.
    fn get(&self) -> Dir {
        // SAFETY: the kobject is live (`self` holds a reference).
        unsafe { bindings::kobject_get(self.0.as_ptr()) };
        Dir(self.0)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: drops the reference `self` holds; the last one removes the
        // directory.
        unsafe { bindings::kobject_put(self.0.as_ptr()) };
    }
}

/// A sysfs attribute file (`struct kobj_attribute`): its name and mode,
/// and, each if it has one, what reading and writing it do.
#[vtable]
pub trait Attribute: 'static {
    /// The file's name.
    const NAME: &'static CStr;
    /// The file's mode.
    const MODE: u16;

    /// `show`: writes the file's text into `page`, a zeroed page; the
    /// bytes written (less than a page).
    fn show(_page: &mut [u8]) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `store`: takes the bytes of a write (never empty).
    fn store(_input: &[u8]) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A write-only (0200) binary file: each `write(2)` reaches
/// [`BinWrite::write`] whole, with its offset.
pub trait BinWrite: 'static {
    /// The file's name.
    const NAME: &'static CStr;

    /// Takes one write's bytes, written at `offset`.
    fn write(input: &[u8], offset: i64) -> Result;
}

/// A file whose every open has data of its own: [`Open::open`] builds it
/// (in the opener's context: it may sleep), reads copy from its
/// [`Open::contents`], and it is dropped when the file is closed, or when
/// the file is removed while open.
pub trait Open: 'static {
    /// The file's name.
    const NAME: &'static CStr;
    /// What an open file keeps.
    type Data: OpenData;

    /// Builds the data of a new open file.
    fn open(file: &OpenFile<'_>) -> Result<Self::Data>;

    /// The bytes the open file reads: a read at offset `o` copies from
    /// `contents[o..]`, and reads nothing at or past its end.
    fn contents(data: &<Self::Data as OpenData>::Target) -> &[u8];
}

/// What an [`Open`] file keeps from its open to its release, as the one
/// pointer kernfs holds for it (`priv`).  The kernel crate's
/// `ForeignOwnable` says the same, but its shape differs between the
/// kernels allocprof is tested on (6.12: `*const c_void`; 7.3: `*mut
/// c_void`, an alignment and a mutable borrow); an [`Open`] file needs
/// these three operations alone.
///
/// # Safety
///
/// [`OpenData::into_raw`] returns a non-null pointer that
/// [`OpenData::borrow`] and [`OpenData::from_raw`] accept.
pub unsafe trait OpenData: Sized {
    /// What a read borrows.
    type Target;

    /// Gives up ownership: the pointer kernfs keeps.
    fn into_raw(self) -> *mut c_void;

    /// The value behind `ptr`, borrowed.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`OpenData::into_raw`], and [`OpenData::from_raw`]
    /// is not called on it during `'a`.
    unsafe fn borrow<'a>(ptr: *mut c_void) -> &'a Self::Target;

    /// Takes back ownership.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`OpenData::into_raw`] and is used no more.
    unsafe fn from_raw(ptr: *mut c_void) -> Self;
}

/// A file being opened (see [`Open::open`]).
pub struct OpenFile<'a> {
    of: *mut bindings::kernfs_open_file,
    _file: PhantomData<&'a ()>,
}

impl OpenFile<'_> {
    /// The name of the directory the file is in.
    pub fn dir_name(&self) -> &[u8] {
        // SAFETY: the open file pins its node, which pins its parent
        // directory; their names live as long as the nodes (sysfs renames
        // and moves nothing of a file created by this layer, so the
        // parent and name pointers, RCU-managed on 7.3, do not change).
        unsafe {
            let kn = (*self.of).kn;
            // The parent's field: `parent` on 6.12, `__parent` on 7.3.
            #[cfg(allocprof_kernel_6_12)]
            let parent = (*kn).parent;
            #[cfg(not(allocprof_kernel_6_12))]
            let parent = (*kn).__parent;
            // Read as `tag.rs`'s `cstr_or_unknown` does, with no cfg:
            // the prelude's `CStr::from_char_ptr` (6.12's inherent
            // method, 7.3's `CStrExt`), its bytes as a `BStr`.
            use kernel::prelude::*;
            let name: &kernel::str::BStr = CStr::from_char_ptr((*parent).name).as_ref();
            name
        }
    }
}

/// A file of a [`Dir`]; removed when dropped, which waits for the
/// callbacks running in it (and, for an [`Open`] file, releases every
/// open file's data first).
pub struct File {
    dir: Dir,
    /// Its static attribute (of a `kobj_attribute` or a `bin_attribute`:
    /// sysfs removes either by its name).
    attr: *const bindings::attribute,
}

// SAFETY: the attribute is a static that the kernel only reads; the
// directory is `Send` and `Sync`.
unsafe impl Send for File {}
// SAFETY: as above; `&File` gives nothing.
unsafe impl Sync for File {}

/// How a [`File`] other than an [`Open`] one is created, from its static
/// attribute.
enum Create {
    Attribute(&'static bindings::kobj_attribute),
    Bin(&'static bindings::bin_attribute),
}

extern "C" {
    /// Creates the bin attribute `attr`, of mode 0, in `kobj`, with the
    /// kernfs operations `attr->private` points at in place of sysfs's,
    /// then makes its mode `mode`, sleeping `delay_ms` in between (a test
    /// hook); allocprof's C glue (src/ffi/helpers.c), so called only from
    /// generic code: a crate that mounts this file and has no [`Open`]
    /// file does not link against it.
    fn allocprof_create_file(
        kobj: *mut bindings::kobject,
        attr: *const bindings::bin_attribute,
        mode: u16,
        delay_ms: u32,
    ) -> c_int;
}

impl File {
    /// Creates the attribute file `T` in `dir`.
    pub fn attribute<T: Attribute>(dir: &Dir) -> Result<Self> {
        Self::create(dir, Create::Attribute(&Vtable::<T>::KOBJ_ATTRIBUTE))
    }

    /// Creates the write-only binary file `T` in `dir`.
    pub fn bin_write<T: BinWrite>(dir: &Dir) -> Result<Self> {
        Self::create(dir, Create::Bin(&Vtable::<T>::BIN_WRITE))
    }

    /// Creates the file `T`, with its own kernfs operations, in `dir`:
    /// unopenable (mode 0) until they are set, then of mode `mode`.  It
    /// sleeps `delay_ms` between the two (a test hook: 0 in use).
    pub fn open<T: Open>(dir: &Dir, mode: u16, delay_ms: u32) -> Result<Self> {
        let attr = &Vtable::<T>::BIN_OPEN;
        // SAFETY: the kobject is live; the attribute is static, of mode 0,
        // its `private` the static kernfs operations of `T`.
        to_result(unsafe { allocprof_create_file(dir.0.as_ptr(), attr, mode, delay_ms) })?;
        Ok(File {
            dir: dir.get(),
            attr: &attr.attr,
        })
    }

    fn create(dir: &Dir, how: Create) -> Result<Self> {
        let kobj = dir.0.as_ptr();
        // SAFETY: the kobject is live and the attribute static.
        let (ret, attr) = unsafe {
            match how {
                Create::Attribute(a) => (
                    bindings::sysfs_create_file_ns(kobj, &a.attr, core::ptr::null()),
                    &a.attr,
                ),
                Create::Bin(a) => (bindings::sysfs_create_bin_file(kobj, a), &a.attr),
            }
        };
        to_result(ret)?;
        Ok(File {
            dir: dir.get(),
            attr,
        })
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // SAFETY: created in the live kobject by `create`; removal waits
        // for running callbacks (and releases open files).
        unsafe {
            bindings::sysfs_remove_file_ns(self.dir.0.as_ptr(), self.attr, core::ptr::null())
        };
    }
}

/// The C structures of one file type, in constants: each `&Vtable::<T>::X`
/// is a static the kernel reads (never written).
struct Vtable<T>(PhantomData<T>);

impl<T: Attribute> Vtable<T> {
    const KOBJ_ATTRIBUTE: bindings::kobj_attribute = {
        // SAFETY: all-zero is a valid `kobj_attribute` (no callback).
        let mut a: bindings::kobj_attribute = unsafe { core::mem::zeroed() };
        a.attr = attribute(T::NAME, T::MODE);
        // 6.12 has the callbacks as fields; 7.3 puts each in an anonymous
        // union (a struct under `CONFIG_CFI`) with its `const` twin
        // (`show_const`, `store_const`), left null.
        if T::HAS_SHOW {
            #[cfg(allocprof_kernel_6_12)]
            {
                a.show = Some(show::<T>);
            }
            #[cfg(not(allocprof_kernel_6_12))]
            {
                a.__bindgen_anon_1.show = Some(show::<T>);
            }
        }
        if T::HAS_STORE {
            #[cfg(allocprof_kernel_6_12)]
            {
                a.store = Some(store::<T>);
            }
            #[cfg(not(allocprof_kernel_6_12))]
            {
                a.__bindgen_anon_2.store = Some(store::<T>);
            }
        }
        a
    };
}

impl<T: BinWrite> Vtable<T> {
    const BIN_WRITE: bindings::bin_attribute = {
        let mut a = bin_attribute(T::NAME, 0o200);
        // The attribute's pointer type (`const` on 7.3) is inferred.
        a.write = Some(write::<T, _>);
        a
    };
}

impl<T: Open> Vtable<T> {
    /// Mode 0 until `allocprof_create_file()` has set the operations, which
    /// `private` points at; no callback (the operations replace sysfs's).
    const BIN_OPEN: bindings::bin_attribute = {
        let mut a = bin_attribute(T::NAME, 0);
        a.private = core::ptr::from_ref(&Self::KERNFS_OPS).cast_mut().cast();
        a
    };

    const KERNFS_OPS: bindings::kernfs_ops = {
        // SAFETY: all-zero is a valid `kernfs_ops`: no operation.
        let mut ops: bindings::kernfs_ops = unsafe { core::mem::zeroed() };
        ops.open = Some(open::<T>);
        ops.read = Some(read::<T>);
        ops.release = Some(release::<T>);
        ops
    };
}

/// A `struct attribute` named `name`, of mode `mode`.
const fn attribute(name: &'static CStr, mode: u16) -> bindings::attribute {
    // SAFETY: all-zero is valid for every field (null pointers, lockdep
    // keys of a static attribute).
    let mut a: bindings::attribute = unsafe { core::mem::zeroed() };
    a.name = name.to_bytes_with_nul().as_ptr().cast();
    a.mode = mode;
    a
}

/// A `struct bin_attribute` named `name`, of mode `mode`, with no
/// callback.
const fn bin_attribute(name: &'static CStr, mode: u16) -> bindings::bin_attribute {
    // SAFETY: all-zero is a valid `bin_attribute` (no callback, no size).
    let mut a: bindings::bin_attribute = unsafe { core::mem::zeroed() };
    a.attr = attribute(name, mode);
    a
}

/// What a callback returns to sysfs: `n` bytes, or an error.
fn ret(r: Result<usize>) -> isize {
    match r {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `show` of [`Attribute`] `T`.
///
/// # Safety
///
/// Called by sysfs with its page-sized buffer.
unsafe extern "C" fn show<T: Attribute>(
    _kobj: *mut bindings::kobject,
    _attr: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: sysfs's buffer is a page it zeroed (`sysfs_kf_seq_show()`),
    // ours until we return.
    let page = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
    ret(T::show(page))
}

/// `store` of [`Attribute`] `T`.
///
/// # Safety
///
/// Called by sysfs with `count` bytes at `buf`.
unsafe extern "C" fn store<T: Attribute>(
    _kobj: *mut bindings::kobject,
    _attr: *mut bindings::kobj_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: per the function's contract.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    ret(T::store(input).map(|()| count))
}

/// `write` of [`BinWrite`] `T`.
///
/// # Safety
///
/// Called by sysfs with `count` bytes at `buf`.
unsafe extern "C" fn write<T: BinWrite, A>(
    _file: *mut bindings::file,
    _kobj: *mut bindings::kobject,
    _attr: A,
    buf: *mut c_char,
    offset: bindings::loff_t,
    count: usize,
) -> isize {
    // SAFETY: per the function's contract.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    ret(T::write(input, offset).map(|()| count))
}

/// kernfs `open` of [`Open`] file `T`: keeps the new data in `priv`.
///
/// # Safety
///
/// Called by kernfs with the open file being opened.
unsafe extern "C" fn open<T: Open>(of: *mut bindings::kernfs_open_file) -> c_int {
    let file = OpenFile {
        of,
        _file: PhantomData,
    };
    match T::open(&file) {
        Ok(data) => {
            // SAFETY: `priv` is the open file's, ours from here to
            // `release`.
            unsafe { (*of).priv_ = data.into_raw() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// kernfs `read` of [`Open`] file `T`: copies from its contents.
///
/// # Safety
///
/// Called by kernfs after a successful `open`, serialized with the open
/// file's other operations, with room for `count` bytes at `buf`.
unsafe extern "C" fn read<T: Open>(
    of: *mut bindings::kernfs_open_file,
    buf: *mut c_char,
    count: usize,
    offset: bindings::loff_t,
) -> isize {
    let Ok(offset) = usize::try_from(offset) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: `priv` holds the data `open` made, until `release`, which
    // cannot run during this call.
    let data = unsafe { T::Data::borrow((*of).priv_) };
    let rest = T::contents(data).get(offset..).unwrap_or(&[]);
    let n = count.min(rest.len());
    // SAFETY: kernfs's buffer has room for `count` bytes, and `n <= count`.
    unsafe { core::ptr::copy_nonoverlapping(rest.as_ptr(), buf.cast::<u8>(), n) };
    n as isize
}

/// kernfs `release` of [`Open`] file `T`: drops its data.
///
/// # Safety
///
/// Called by kernfs once per successful `open`, last.
unsafe extern "C" fn release<T: Open>(of: *mut bindings::kernfs_open_file) {
    // SAFETY: `priv` holds the data `open` made, used no more.
    drop(unsafe { T::Data::from_raw((*of).priv_) });
}
