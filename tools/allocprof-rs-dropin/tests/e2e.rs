// SPDX-License-Identifier: GPL-2.0

//! The tool on objects rustc makes: a stand-in kernel crate
//! (fixture/kernel.rs, kernel::alloc's shape and paths) and a driver
//! (fixture/module/drv.rs), compiled as dropin.mk compiles a module
//! (unshared generics, DWARF, the inlining flags or not), then the tool,
//! then its assembly assembled (the real include/allocprof_rs_dropin.h,
//! stand-ins for two kernel headers) and linked with the rewritten
//! object, as dropin.mk does.  Needs rustc, cc and ld (as building the
//! kernel's modules does): a test whose tool is missing fails, saying so.

use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn rustc(dir: &Path) -> Command {
    let mut c = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    c.current_dir(dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["--edition", "2021", "-Copt-level=2", "-Cpanic=abort"])
        .args(["-Csymbol-mangling-version=v0", "-Crelocation-model=static"]);
    c
}

/// A scratch directory of its own per test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("allocprof-rs-dropin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Builds the stand-in kernel crate (shared generics: it exports its
/// instance of `<Kmalloc as Allocator>::free`, as the kernel's does) and
/// writes a Module.symvers of its exports.
fn kernel(dir: &Path) -> PathBuf {
    kernel_with(dir, &[])
}

/// `kernel` of 7.3's shape (`--cfg k73`): no Module.symvers (7.3's
/// kernel crate exports no `free`: it is inlined).
fn kernel73(dir: &Path) {
    run(rustc(dir)
        .args([
            "--cfg",
            "k73",
            "--crate-type",
            "rlib",
            "--crate-name",
            "kernel",
        ])
        .arg("-Zshare-generics=y")
        .arg(fixture().join("kernel.rs"))
        .arg("-o")
        .arg(dir.join("libkernel.rlib")));
}

/// `kernel`, with more rustc flags.
fn kernel_with(dir: &Path, flags: &[&str]) -> PathBuf {
    run(rustc(dir)
        .args(flags)
        .args([
            "--crate-type",
            "rlib",
            "--crate-name",
            "kernel",
            "-Zshare-generics=y",
        ])
        .arg(fixture().join("kernel.rs"))
        .arg("-o")
        .arg(dir.join("libkernel.rlib")));
    // Its symbols, from the rlib's object.
    let data = std::fs::read(dir.join("libkernel.rlib")).unwrap();
    let ar = object::read::archive::ArchiveFile::parse(&*data).unwrap();
    let mut symvers = String::new();
    for m in ar.members() {
        let m = m.unwrap();
        let Ok(obj) = object::File::parse(m.data(&*data).unwrap()) else {
            continue;
        };
        for s in obj.symbols() {
            if s.is_definition() && s.is_global() {
                symvers += &format!("0x0\t{}\tvmlinux\tEXPORT_SYMBOL_GPL\t\n", s.name().unwrap());
            }
        }
    }
    assert!(
        symvers.contains("9Allocator4free"),
        "no exported free: {symvers}"
    );
    let p = dir.join("Module.symvers");
    std::fs::write(&p, symvers).unwrap();
    p
}

/// Builds the driver as dropin.mk does; `inline`: its inlining flags.
fn driver(dir: &Path, inline: bool) -> PathBuf {
    driver_with(dir, inline, &[])
}

/// `driver`, with more rustc flags.
fn driver_with(dir: &Path, inline: bool, flags: &[&str]) -> PathBuf {
    let mut c = rustc(dir);
    c.args(flags)
        .args([
            "--crate-type",
            "lib",
            "--crate-name",
            "drv",
            "-Zshare-generics=n",
        ])
        .args([
            "-Cdebuginfo=limited",
            "-Cllvm-args=-enable-tail-merge=false",
        ])
        .args(["-Cllvm-args=-simplifycfg-sink-common=false"])
        .arg("--extern")
        .arg(format!("kernel={}", dir.join("libkernel.rlib").display()));
    if inline {
        c.args([
            "-Cllvm-args=-inline-threshold=100000",
            "-Cllvm-args=-inlinecold-threshold=100000",
            "-Cllvm-args=-inline-cold-callsite-threshold=100000",
        ]);
    }
    run(c
        .arg(fixture().join("module/drv.rs"))
        .arg(format!("--emit=obj={}", dir.join("drv.in.o").display())));
    dir.join("drv.in.o")
}

/// The tool on `drv.in.o`: its summary line (stderr) and assembly.
fn tool(dir: &Path, symvers: Option<&Path>, extra: &[&str]) -> (String, String) {
    tool_for(dir, "6.12", symvers, extra)
}

/// `tool` for Linux `kernel`.
fn tool_for(dir: &Path, kernel: &str, symvers: Option<&Path>, extra: &[&str]) -> (String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_allocprof-rs-dropin"));
    c.current_dir(dir)
        .args(["--kernel", kernel, "--in"])
        .arg(dir.join("drv.in.o"))
        .arg("--out")
        .arg(dir.join("drv.rw.o"))
        .arg("--asm")
        .arg(dir.join("drv.allocprof.S"))
        .args(["--modname", "drv"])
        .arg("--src-dir")
        .arg(fixture().join("module"))
        .arg("--srctree")
        .arg(fixture())
        .args(extra);
    if let Some(s) = symvers {
        c.arg("--symvers").arg(s);
    }
    let err = run(&mut c);
    let asm = std::fs::read_to_string(dir.join("drv.allocprof.S")).unwrap();
    (err, asm)
}

/// The line of the driver's source holding `text`, 1-based.
fn line_of(text: &str) -> usize {
    let src = std::fs::read_to_string(fixture().join("module/drv.rs")).unwrap();
    src.lines().position(|l| l.contains(text)).unwrap() + 1
}

/// Assembles the tool's assembly (both passes) and links it with the
/// rewritten object, as dropin.mk does: the linked object.
fn link(dir: &Path) -> Vec<u8> {
    link_with(dir, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// `link`, the assembler given `defs` (-DCONFIG_...): the linked object,
/// or the failing command's output.
fn link_with(dir: &Path, defs: &[&str]) -> Result<Vec<u8>, String> {
    let inc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include");
    for (out, def) in [
        ("drv.allocprof.o", None),
        ("drv.jt.o", Some("-DALLOCPROF_RS_JUMP_TABLE")),
    ] {
        let mut c = Command::new("cc");
        c.current_dir(dir)
            .args(["-c", "-x", "assembler-with-cpp", "-D__ASSEMBLY__"])
            .arg("-I")
            .arg(fixture().join("stub"))
            .arg("-I")
            .arg(&inc);
        if let Some(d) = def {
            c.arg(d);
        }
        let o = c
            .args(defs)
            .arg("-o")
            .arg(out)
            .arg("drv.allocprof.S")
            .output()
            .unwrap_or_else(|e| panic!("cannot run cc: {e}"));
        if !o.status.success() {
            return Err(format!(
                "{c:?} failed: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
    }
    run(Command::new("ld").current_dir(dir).args([
        "-r",
        "-o",
        "drv.o",
        "drv.rw.o",
        "drv.allocprof.o",
        "drv.jt.o",
    ]));
    Ok(std::fs::read(dir.join("drv.o")).unwrap())
}

#[test]
fn sites_rows_thunks() {
    let dir = scratch("e2e");
    let symvers = kernel(&dir);
    driver(&dir, true);
    let (err, asm) = tool(&dir, Some(&symvers), &["--strip-debug"]);
    // Every allocation site on a line of the driver's source but the one
    // in the kernel crate's out-of-line reserve_exact (its row names it).
    assert!(err.contains("1 allocation sites not on a line"), "{err}");
    assert!(
        asm.contains("func:kernel::alloc::KVec::reserve_exact */"),
        "{asm}"
    );
    let one = format!(
        "drv.rs:{} func:drv::site_one */",
        line_of("KBox::new([1u8; 100]")
    );
    let two = format!("drv.rs:{} func:drv::site_two */", line_of("KBox::new(7u64"));
    assert!(asm.contains(&one), "no row {one}:\n{asm}");
    assert!(asm.contains(&two), "no row {two}:\n{asm}");
    // KVec::push's growth inlined into grown() (the flags): its line.
    let push = format!("drv.rs:{} func:drv::grown */", line_of("v.push(i, GFP)"));
    assert!(asm.contains(&push), "no row {push}:\n{asm}");
    // The kernel crate's functions: the one the table knows through its
    // wrapper, the other counted, its row marked when it runs.
    assert!(
        err.contains(
            "1 calls of kernel-crate functions that allocate or free for it (1 handled), \
             1 kernel-crate functions not audited (1 calls: their rows marked accurate:no)"
        ),
        "{err}"
    );
    assert!(
        err.contains("not audited: a call of <kernel::str::CStr>::to_string"),
        "{err}"
    );
    assert!(
        asm.contains("ALLOCPROF_RS_KCALL_SITE __allocprof_rs_kcall_")
            && asm.contains("allocprof_rs_k_to_cstring, .Ltag"),
        "{asm}"
    );
    assert!(
        asm.contains("ALLOCPROF_RS_KMARK_SITE __allocprof_rs_kcall_"),
        "{asm}"
    );
    let strings = format!(
        "drv.rs:{} func:drv::strings */",
        line_of("(s.to_cstring() + s.to_string())")
    );
    assert!(asm.contains(&strings), "no row {strings}:\n{asm}");
    // Frees go through the stand-in kernel's own exported free.
    assert!(asm.contains("ALLOCPROF_RS_KFREE_SITE"), "{asm}");
    assert!(asm.contains("9Allocator4free"), "{asm}");
    assert!(asm.contains("ALLOCPROF_RS_MODULE _R"), "{asm}");

    let rw = std::fs::read(dir.join("drv.rw.o")).unwrap();
    let obj = object::File::parse(&*rw).unwrap();
    // No call of ReallocFunc::call or of a free's aligned_layout left; the
    // DWARF the build added stripped; init_module renamed.
    let mut sites = 0;
    for s in obj.sections() {
        for (off, r) in s.relocations() {
            let RelocationTarget::Symbol(i) = r.target() else {
                continue;
            };
            let name = obj.symbol_by_index(i).unwrap().name().unwrap().to_string();
            assert!(
                !name.ends_with("11ReallocFunc4call"),
                "a call left at {off:#x}"
            );
            if name.starts_with("__allocprof_rs_site_") {
                sites += 1;
            }
            assert!(
                !name.ends_with("10to_cstring") && !name.ends_with("9to_string"),
                "a kernel-crate call left at {off:#x}"
            );
        }
    }
    assert!(sites >= 4, "{sites} sites");
    assert!(obj.section_by_name(".debug_info").is_none());
    let names: Vec<String> = obj
        .symbols()
        .map(|s| s.name().unwrap().to_string())
        .collect();
    assert!(names.iter().any(|n| n == "__allocprof_rs_module_init"));
    assert!(!names.iter().any(|n| n == "init_module"));
    // The free's aligned_layout calls replaced by their result.
    let replaced = obj
        .sections()
        .filter(|s| s.name().is_ok_and(|n| n.starts_with(".text")))
        .map(|s| {
            s.data()
                .unwrap()
                .windows(5)
                .filter(|w| *w == [0x31, 0xd2, 0x8d, 0x42, 0x01])
                .count()
        })
        .sum::<usize>();
    assert!(replaced >= 2, "{replaced} aligned_layout calls replaced");

    // Assembled and linked: every site defined, a jump table entry each
    // (16 bytes), the generated init_module calling the renamed one.
    let linked = link(&dir);
    let obj = object::File::parse(&*linked).unwrap();
    let undefined: Vec<String> = obj
        .symbols()
        .filter(|s| s.is_undefined())
        .map(|s| s.name().unwrap().to_string())
        .collect();
    assert!(
        !undefined.iter().any(|n| n.starts_with("__allocprof_rs_")),
        "{undefined:?}"
    );
    let n_sites = asm.matches("_SITE __allocprof_rs_site_").count()
        + asm.matches("_SITE __allocprof_rs_kcall_").count();
    let jt = obj.section_by_name("__jump_table").unwrap();
    assert_eq!(jt.size() as usize, 16 * n_sites);
    assert!(obj
        .symbols()
        .any(|s| s.name() == Ok("init_module") && s.is_definition()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sites_in_a_generic_not_inlined() {
    // Without the inlining flags: the site of the kernel crate's
    // reserve_exact (the driver's instance of it) is on no line of the
    // driver's; its row names the function, in the kernel's file, and the
    // build counts it.
    let dir = scratch("e2e-noinline");
    kernel(&dir);
    driver(&dir, false);
    let (err, asm) = tool(&dir, None, &[]);
    let n: usize = err
        .split(" allocation sites not on a line")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no count: {err}"));
    assert!(n >= 1, "{err}");
    assert_eq!(err.matches("    not placed: ").count(), n, "{err}");
    assert!(
        asm.contains("func:kernel::alloc::KVec::reserve_exact */"),
        "{asm}"
    );
    assert!(asm.contains("/* kernel.rs:"), "{asm}");
    // No symvers: frees through ReallocFunc::call itself.
    assert!(asm.contains("ALLOCPROF_RS_FREE_SITE") && !asm.contains("KFREE_SITE"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn refuses_shared_instances() {
    // A driver calling an instance the kernel crate has itself (its
    // allocations happen in the kernel, out of reach): the tool refuses it.
    let dir = scratch("e2e-shared");
    kernel(&dir);
    std::fs::write(
        dir.join("shared.rs"),
        "#![no_std]\n\
         #[no_mangle]\n\
         pub extern \"C\" fn init_module() -> i32 {\n\
         \x20   let mut v = kernel::alloc::KVec::<u64>::new();\n\
         \x20   v.reserve_exact(8, kernel::alloc::Flags(0)).is_ok() as i32\n\
         }\n",
    )
    .unwrap();
    run(rustc(&dir)
        .args([
            "--crate-type",
            "lib",
            "--crate-name",
            "drv",
            "-Zshare-generics=n",
        ])
        .arg("--extern")
        .arg(format!("kernel={}", dir.join("libkernel.rlib").display()))
        .arg(dir.join("shared.rs"))
        .arg(format!("--emit=obj={}", dir.join("drv.in.o").display())));
    let out = Command::new(env!("CARGO_BIN_EXE_allocprof-rs-dropin"))
        .current_dir(&dir)
        .args(["--kernel", "6.12"])
        .args(["--in", "drv.in.o", "--out", "drv.rw.o", "--asm", "drv.S"])
        .args(["--modname", "drv", "--src-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("reserve_exact"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The 4 bytes `off` bytes before the symbol `name` of `obj` (a kCFI
/// type, `off` 4 without call padding), after the `mov` opcode (0xb8).
fn kcfi_type_before(obj: &object::File<'_>, name: &str, off: u64) -> u32 {
    let s = obj
        .symbols()
        .find(|s| s.name() == Ok(name) && s.is_definition())
        .unwrap_or_else(|| panic!("no {name}"));
    let sec = obj.section_by_index(s.section_index().unwrap()).unwrap();
    let d = sec.data().unwrap();
    let mov = (s.address() - sec.address())
        .checked_sub(off + 1)
        .map(|m| m as usize)
        .filter(|&m| d[m] == 0xb8)
        .unwrap_or_else(|| panic!("{name}: no `mov $type, %eax` {off} bytes before it"));
    u32::from_le_bytes(d[mov + 1..mov + 5].try_into().unwrap())
}

#[test]
fn kcfi_typed_init_module() {
    // A kernel with CONFIG_CFI_CLANG checks the kCFI type of mod->init,
    // init_module, before calling it: the generated init_module carries
    // the type rustc gave the module's own (now
    // __allocprof_rs_module_init), with and without the call padding
    // (FineIBT's) that puts 11 NOPs between rustc's type and function.
    let abi = "-Cunsafe-allow-abi-mismatch=sanitizer,sanitizer-cfi-normalize-integers";
    let kcfi = [
        "-Zsanitizer=kcfi",
        "-Zsanitizer-cfi-normalize-integers",
        abi,
    ];
    for (pad, off) in [(None, 4), (Some("-Zpatchable-function-entry=11,11"), 15)] {
        let dir = scratch(&format!("e2e-kcfi-{off}"));
        let mut flags = kcfi.to_vec();
        flags.extend(pad);
        let symvers = kernel_with(&dir, &flags);
        driver_with(&dir, true, &flags);
        tool(&dir, Some(&symvers), &[]);
        let linked = link_with(&dir, &["-DCONFIG_CFI_CLANG"]).unwrap_or_else(|e| panic!("{e}"));
        let obj = object::File::parse(&*linked).unwrap();
        let own = kcfi_type_before(&obj, "__allocprof_rs_module_init", off);
        assert_eq!(kcfi_type_before(&obj, "init_module", 4), own);
        // The preamble renamed with its function.
        assert!(obj
            .symbols()
            .any(|s| s.name() == Ok("__cfi___allocprof_rs_module_init")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A module built without kCFI, for a kernel with it: its assembly
    // stops the build, saying why.
    let dir = scratch("e2e-kcfi-none");
    let symvers = kernel(&dir);
    driver(&dir, true);
    tool(&dir, Some(&symvers), &[]);
    let err = link_with(&dir, &["-DCONFIG_CFI_CLANG"]).expect_err("assembled");
    assert!(err.contains("init_module has no kCFI type"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A kernel whose `ReallocFunc::call` the tool does not know (7.3's takes a
/// NUMA node more, `nid: NumaNode`) is refused, with a message, before
/// anything is read or written.
#[test]
fn unknown_kernel_refused() {
    let dir = scratch("unknown-kernel");
    let out = Command::new(env!("CARGO_BIN_EXE_allocprof-rs-dropin"))
        .current_dir(&dir)
        .args(["--kernel", "6.18", "--in", "drv.in.o", "--out", "drv.rw.o"])
        .args(["--asm", "drv.S", "--modname", "drv", "--src-dir", "."])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("Linux 6.18") && err.contains("knows Linux 6.12, 7.3"),
        "{err}"
    );
    assert!(!dir.join("drv.rw.o").exists() && !dir.join("drv.S").exists());
}

/// 7.3: `ReallocFunc::call` inlined into the driver, whose code calls the
/// C helper itself: every call of it retargeted to a site of the C ABI's
/// macros, rows at the driver's lines, frees without a row, and the
/// kernel crate's functions marked (no wrappers on 7.3).
#[test]
fn sites_of_7_3_helpers() {
    let dir = scratch("e2e-73");
    kernel73(&dir);
    driver(&dir, true);
    let (err, asm) = tool_for(&dir, "7.3", None, &["--strip-debug"]);
    assert!(
        err.contains("call sites of ReallocFunc::call's C helpers"),
        "{err}"
    );
    let one = format!(
        "drv.rs:{} func:drv::site_one */",
        line_of("KBox::new([1u8; 100]")
    );
    let push = format!("drv.rs:{} func:drv::grown */", line_of("v.push(i, GFP)"));
    assert!(asm.contains(&one), "no row {one}:\n{asm}");
    assert!(asm.contains(&push), "no row {push}:\n{asm}");
    assert!(
        asm.contains("ALLOCPROF_RS_C_MODULE rust_helper_krealloc_node_align")
            && asm.contains("ALLOCPROF_RS_C_ALLOC_SITE __allocprof_rs_site_")
            && asm.contains(", rust_helper_krealloc_node_align, .Ltag")
            && asm.contains("ALLOCPROF_RS_C_FREE_SITE __allocprof_rs_site_"),
        "{asm}"
    );
    assert!(
        !asm.contains("ALLOCPROF_RS_ALLOC_SITE") && !asm.contains("ALLOCPROF_RS_KFREE_SITE"),
        "{asm}"
    );
    assert!(
        err.contains(
            "2 kernel-crate functions not audited (2 calls: their rows marked accurate:no)"
        ),
        "{err}"
    );
    // Linked: the helper is called from the sites' code alone (and is
    // their static branches' target while off, in __jump_table).
    let data = link(&dir);
    let obj = object::File::parse(&*data).unwrap();
    let helper = obj
        .symbols()
        .find(|s| s.name() == Ok("rust_helper_krealloc_node_align"))
        .unwrap()
        .index();
    for sec in obj.sections() {
        let name = sec.name().unwrap_or_default().to_string();
        for (_, r) in sec.relocations() {
            if r.target() == RelocationTarget::Symbol(helper) {
                assert!(
                    [".text.allocprof_rs", ".rodata.allocprof_rs", "__jump_table"]
                        .contains(&name.as_str()),
                    "a call of the helper left in {name}"
                );
            }
        }
    }
}
