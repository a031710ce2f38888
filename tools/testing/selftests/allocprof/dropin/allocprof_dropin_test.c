// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof_dropin_test: a plain C module (no allocprof header, no
 * allocprof call) built with include/allocprof_dropin.h forced in.  Each
 * allocation API has its own call site, in its own function; a command
 * written to /sys/kernel/allocprof_dropin_test/control allocates N objects
 * through one of them and holds them until "free" (which frees each with
 * its API's free function) or unload:
 *
 *   kmalloc N SIZE | kzalloc N SIZE | kcalloc N COUNT SIZE | kmalloc_node N SIZE
 *   krealloc N SIZE NEW | kmemdup N SIZE | kvmalloc N SIZE | kvzalloc N SIZE
 *   vmalloc N SIZE | vzalloc N SIZE | pages N ORDER | getpages N ORDER
 *   zeroed N | exact N SIZE | cache N | bulk N | percpu N SIZE
 *   folio N ORDER        folio_alloc(), freed by folio_put() (or, with
 *                        folio_get() before, by two folio_put()s)
 *   pageref N ORDER      alloc_pages(), then get_page() and __free_pages():
 *                        held by the second reference (the tail pages of
 *                        an order above 0 are freed), put_page() at "free"
 *   pageref_addr N ORDER the same with __get_free_pages() and free_pages()
 *   split N ORDER KEEP   alloc_pages(), split_page(), the first pages freed
 *                        one by one with __free_pages(), the last KEEP held
 *   kvrealloc0 N SIZE    vmalloc(SIZE), then kvrealloc() to 0 bytes (which
 *                        frees it with vrealloc() and returns NULL;
 *                        vrealloc() itself is not exported in 6.12)
 *   free                 free everything held
 *   free_addr ADDR       free_page(ADDR): a page another module handed over
 *                        (allocprof_dropin_peer handoff=1)
 *   map N                N alloc_page() mapped into the writing process
 *                        (vm_mmap() of a file of the module whose ->mmap
 *                        inserts them with vm_insert_page()), then freed
 *                        by the module with __free_page() while mapped:
 *                        the mapping holds the last references
 *   unmap                vm_munmap() of that mapping (the same process):
 *                        the kernel drops the last references
 *   kfree_rcu N          N kmalloc(64) freed at once with kfree_rcu()
 *   foreign              kfree() of a kstrdup() (not recorded), of NULL and
 *                        of ZERO_SIZE_PTR, and allocprof's look-up of NULL
 *                        and ZERO_SIZE_PTR called directly: no change
 *   reuse                kmalloc(100), freed behind the table's back, then
 *                        kmalloc(100) again at the same address
 *   irq N                N kmalloc(32) and kfree in hard interrupt context
 *   churn N              N rounds of 8 kmalloc(64), 2 alloc_pages(0) and 2
 *                        objects of the cache, all freed again; without the
 *                        module's lock, so that writers on several CPUs
 *                        allocate and free at the same sites at once
 *
 * Linux 7.3's entry points (the commands exist on 7.3 only; the module
 * parameter v73_line is the line of the first of their sites, which are
 * on consecutive lines, in the order below):
 *
 *   obj N                kmalloc_obj(struct obj73) (100 bytes)
 *   zobjs N COUNT        kzalloc_objs(struct obj73, COUNT)
 *   flex N COUNT         kmalloc_flex(struct flex73, x, COUNT) (8 + 8 COUNT)
 *   kvobjs N COUNT       kvmalloc_objs(struct obj73, COUNT), freed by kvfree
 *   nolock N SIZE        kmalloc_nolock(SIZE), freed by kfree_nolock()
 *   nolock_irq N SIZE    the same from hard interrupt context (irq_work),
 *                        freed by kfree_nolock() in hard interrupt context
 *                        at "free"
 *   krealloc_align N SIZE NEW   kmalloc(SIZE), then krealloc_node_align()
 *   kvrealloc_align N SIZE NEW  kvmalloc(SIZE), then kvrealloc_node_align()
 *   vrealloc_align N SIZE NEW   vmalloc(SIZE), then vrealloc_node_align()
 *   pages_nolock N ORDER alloc_pages_nolock(), freed by __free_pages()
 *   rcu_nolock N         kmalloc_obj(struct rcu73) freed at once with
 *                        kfree_rcu_nolock()
 *
 * devm_: the module registers a platform driver and a platform device,
 * both "allocprof_dropin_devm"; the probe allocates one object with each
 * devm_ API (a site_devm_ function each), held until the device is
 * unbound (/sys/bus/platform/drivers/allocprof_dropin_devm/unbind).  While
 * it is bound:
 *
 *   devm_free            devm_kfree() of the devm_kmalloc, devm_kzalloc and
 *                        devm_kstrdup objects
 *   devm_realloc         devm_krealloc() of the 8-byte object to 200 bytes
 *                        and devm_krealloc_array() of the 4 x 4 one to
 *                        16 x 16 (both move)
 *   devm_extra           one more devm_kmalloc(64), devm_extra_free frees it
 *                        (devm_kfree()): allocated with profiling off, its
 *                        free changes nothing
 *
 * Mempools (each creation and each mempool_alloc at a site of its own):
 *
 *   mp_create            a slab pool (the module's cache), a kmalloc pool of
 *                        100-byte elements, a page pool of order 0 (each
 *                        mempool_create_*_pool) and an embedded pool
 *                        (mempool_init_kmalloc_pool, 200 bytes), min_nr 4
 *   mp_alloc N           N mempool_alloc from each pool (fresh elements:
 *                        the pool's alloc function makes them), held
 *   mp_reserve           mempool_alloc_preallocated from the kmalloc pool
 *                        (from its reserve), then mempool_free back into it
 *   mp_free              mempool_free of every held element (the reserves
 *                        are full: each is freed)
 *   mp_resize N          mempool_resize of the kmalloc pool to N
 *   mp_destroy           mempool_destroy of the three, mempool_exit of the
 *                        embedded one
 *
 * With hide_frees=1 the module's exit frees its kmalloc objects with the
 * real kfree, unseen: allocprof's unload report lists them as live.
 *
 * The pr_fmt below comes before any include, as in many drivers: the
 * drop-in header must not have defined it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/hex.h>
#include <linux/irq_work.h>
#include <linux/kobject.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/platform_device.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

enum kind { K, KV, V, PAGES, GETPAGES, EXACT, CACHE, PERCPU, FOLIO, PAGEREF, KNOLOCK };

struct held {
	enum kind kind;
	void *p;
	struct page *page;
	struct folio *folio;
	unsigned long addr;
	void __percpu *pcpu;
	size_t size;
	unsigned int order;
};

#define MAX_HELD 4096
static struct held held[MAX_HELD];
static unsigned int nheld;
static DEFINE_MUTEX(lock);
static struct kmem_cache *cache;
static void *initbuf;

static bool hide_frees;
module_param(hide_frees, bool, 0444);
MODULE_PARM_DESC(hide_frees, "At exit, free kmalloc objects behind allocprof's back (its leak report lists them)");

/* What a mempool_create() charges for the pool itself, for the tests. */
static unsigned int mempool_bytes;
module_param(mempool_bytes, uint, 0444);
MODULE_PARM_DESC(mempool_bytes, "Read only: kmalloc's size for a mempool_t (it depends on lock debugging)");

/* The call sites: one function each, so that each row is named for it. */
static noinline void *site_kmalloc(size_t s) { return kmalloc(s, GFP_KERNEL); }
static noinline void *site_kzalloc(size_t s) { return kzalloc(s, GFP_KERNEL); }
static noinline void *site_kcalloc(size_t n, size_t s) { return kcalloc(n, s, GFP_KERNEL); }
static noinline void *site_kmalloc_node(size_t s) { return kmalloc_node(s, GFP_KERNEL, NUMA_NO_NODE); }
static noinline void *site_krealloc(void *p, size_t s) { return krealloc(p, s, GFP_KERNEL); }
static noinline void *site_kmemdup(const void *src, size_t s) { return kmemdup(src, s, GFP_KERNEL); }
static noinline void *site_kvmalloc(size_t s) { return kvmalloc(s, GFP_KERNEL); }
static noinline void *site_kvzalloc(size_t s) { return kvzalloc(s, GFP_KERNEL); }
static noinline void *site_vmalloc(size_t s) { return vmalloc(s); }
static noinline void *site_vzalloc(size_t s) { return vzalloc(s); }
static noinline void *site_kvrealloc(void *p, size_t s) { return kvrealloc(p, s, GFP_KERNEL); }
static noinline struct page *site_pages(unsigned int o) { return alloc_pages(GFP_KERNEL, o); }
static noinline unsigned long site_getpages(unsigned int o) { return __get_free_pages(GFP_KERNEL, o); }
static noinline struct folio *site_folio(unsigned int o) { return folio_alloc(GFP_KERNEL, o); }
static noinline unsigned long site_zeroed(void) { return get_zeroed_page(GFP_KERNEL); }
static noinline void *site_exact(size_t s) { return alloc_pages_exact(s, GFP_KERNEL); }
static noinline void *site_cache(void) { return kmem_cache_alloc(cache, GFP_KERNEL); }
static noinline int site_bulk(size_t n, void **p) { return kmem_cache_alloc_bulk(cache, GFP_KERNEL, n, p); }
static noinline void __percpu *site_percpu(size_t s) { return __alloc_percpu(s, 8); }
static noinline void *site_rcu(void) { return kmalloc(64, GFP_KERNEL); }
static noinline void *site_reuse(void) { return kmalloc(100, GFP_KERNEL); }
static noinline void *site_irq(void) { return kmalloc(32, GFP_ATOMIC); }

#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
/* 7.3's entry points: the sites on consecutive lines from v73_line on. */
struct obj73 { char b[100]; };
struct flex73 { u32 n; u64 x[] __counted_by(n); };
struct rcu73 { struct kvfree_rcu_head kh; char d[56]; };
static int v73_line = __LINE__ + 1;
static noinline void *site_obj(void) { return kmalloc_obj(struct obj73, GFP_KERNEL); }
static noinline void *site_zobjs(size_t n) { return kzalloc_objs(struct obj73, n, GFP_KERNEL); }
static noinline void *site_flex(size_t n) { return kmalloc_flex(struct flex73, x, n, GFP_KERNEL); }
static noinline void *site_kvobjs(size_t n) { return kvmalloc_objs(struct obj73, n, GFP_KERNEL); }
static noinline void *site_nolock(size_t s) { return kmalloc_nolock(s, 0, NUMA_NO_NODE); }
static noinline void *site_nolock_irq(size_t s) { return kmalloc_nolock(s, 0, NUMA_NO_NODE); }
static noinline void *site_krealloc_align(void *p, size_t s) { return krealloc_node_align(p, s, 16, GFP_KERNEL, NUMA_NO_NODE); }
static noinline void *site_kvrealloc_align(void *p, size_t s) { return kvrealloc_node_align(p, s, 1, GFP_KERNEL, NUMA_NO_NODE); }
static noinline void *site_vrealloc_align(void *p, size_t s) { return vrealloc_node_align(p, s, 1, GFP_KERNEL, NUMA_NO_NODE); }
static noinline struct page *site_pages_nolock(unsigned int o) { return alloc_pages_nolock(0, NUMA_NO_NODE, o); }
static noinline struct rcu73 *site_rcu_nolock(void) { return kmalloc_obj(struct rcu73, GFP_KERNEL); }
module_param(v73_line, int, 0444);
MODULE_PARM_DESC(v73_line, "Read only: the line of the first of the 7.3 sites (site_obj)");
#endif

/* Mempools: the pools, and the elements held by mp_alloc. */
#define MP_MAX 64
static mempool_t *mp_slab, *mp_kmalloc, *mp_page;
static mempool_t mp_embedded;
static void *mp_held[4][MP_MAX];
static unsigned int mp_nheld;

static noinline mempool_t *site_mp_create_slab(void) { return mempool_create_slab_pool(4, cache); }
static noinline mempool_t *site_mp_create_kmalloc(void) { return mempool_create_kmalloc_pool(4, 100); }
static noinline mempool_t *site_mp_create_page(void) { return mempool_create_page_pool(4, 0); }
static noinline int site_mp_init(mempool_t *p) { return mempool_init_kmalloc_pool(p, 4, 200); }
static noinline void *site_mp_alloc_slab(void) { return mempool_alloc(mp_slab, GFP_KERNEL); }
static noinline void *site_mp_alloc_kmalloc(void) { return mempool_alloc(mp_kmalloc, GFP_KERNEL); }
static noinline void *site_mp_alloc_page(void) { return mempool_alloc(mp_page, GFP_KERNEL); }
static noinline void *site_mp_alloc_init(void) { return mempool_alloc(&mp_embedded, GFP_KERNEL); }

static void mp_free_all(void)
{
	mempool_t *pools[4] = { mp_slab, mp_kmalloc, mp_page, &mp_embedded };

	while (mp_nheld) {
		mp_nheld--;
		for (int i = 0; i < 4; i++)
			mempool_free(mp_held[i][mp_nheld], pools[i]);
	}
}

static void mp_destroy_all(void)
{
	mp_free_all();
	mempool_destroy(mp_slab);
	mempool_destroy(mp_kmalloc);
	mempool_destroy(mp_page);
	if (mempool_initialized(&mp_embedded))
		mempool_exit(&mp_embedded);
	mp_slab = mp_kmalloc = mp_page = NULL;
}

/* The mp_ commands (the lock held). */
static int run_mempool(const char *op, unsigned long n)
{
	if (!strcmp(op, "mp_create")) {
		if (mp_slab)
			return -EBUSY;
		mp_slab = site_mp_create_slab();
		mp_kmalloc = site_mp_create_kmalloc();
		mp_page = site_mp_create_page();
		if (!mp_slab || !mp_kmalloc || !mp_page || site_mp_init(&mp_embedded)) {
			mp_destroy_all();
			return -ENOMEM;
		}
		return 0;
	}
	if (!mp_slab)
		return -ENODEV;
	if (!strcmp(op, "mp_alloc")) {
		if (n > MP_MAX - mp_nheld)
			return -EINVAL;
		while (n--) {
			/* GFP_KERNEL: mempool_alloc does not fail. */
			mp_held[0][mp_nheld] = site_mp_alloc_slab();
			mp_held[1][mp_nheld] = site_mp_alloc_kmalloc();
			mp_held[2][mp_nheld] = site_mp_alloc_page();
			mp_held[3][mp_nheld] = site_mp_alloc_init();
			mp_nheld++;
		}
		return 0;
	}
	if (!strcmp(op, "mp_reserve")) {
		void *e = mempool_alloc_preallocated(mp_kmalloc);

		if (!e)
			return -ENOMEM;
		mempool_free(e, mp_kmalloc);
		return 0;
	}
	if (!strcmp(op, "mp_free")) {
		mp_free_all();
		return 0;
	}
	if (!strcmp(op, "mp_resize"))
		return n ? mempool_resize(mp_kmalloc, n) : -EINVAL;
	if (!strcmp(op, "mp_destroy")) {
		mp_destroy_all();
		return 0;
	}
	return -EINVAL;
}

/* The real kfree, for "reuse": a free the module hides from the table. */
extern void hidden_kfree(const void *p) __asm__("kfree");

static void free_one(struct held *h)
{
	switch (h->kind) {
	case K: kfree(h->p); break;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
	case KNOLOCK: kfree_nolock(h->p); break;
#else
	case KNOLOCK: break;
#endif
	case KV: kvfree(h->p); break;
	case V: vfree(h->p); break;
	case PAGES: __free_pages(h->page, h->order); break;
	case GETPAGES: free_pages(h->addr, h->order); break;
	case EXACT: free_pages_exact(h->p, h->size); break;
	case CACHE: kmem_cache_free(cache, h->p); break;
	case PERCPU: free_percpu(h->pcpu); break;
	case PAGEREF:
		/* The reference that outlived __free_pages()/free_pages(). */
		put_page(h->page);
		break;
	case FOLIO:
		/* A second reference, dropped first: only the last one frees. */
		folio_get(h->folio);
		folio_put(h->folio);
		folio_put(h->folio);
		break;
	}
}

static void free_all(void)
{
	while (nheld)
		free_one(&held[--nheld]);
}

static int hold(struct held h)
{
	if (!h.p && !h.page && !h.folio && !h.addr && !h.pcpu)
		return -ENOMEM;
	if (nheld == MAX_HELD) {
		free_one(&h);
		return -ENOSPC;
	}
	held[nheld++] = h;
	return 0;
}

struct rcu_obj {
	struct rcu_head rcu;
	char data[48];
};

static struct irq_work irq_work;
static unsigned int irq_left;
static atomic_t irq_done;

static void irq_fn(struct irq_work *w)
{
	for (; irq_left; irq_left--) {
		void *p = site_irq();

		if (p)
			kfree(p);
	}
	atomic_set(&irq_done, 1);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
/* nolock_irq: kmalloc_nolock() and kfree_nolock() in hard interrupt context. */
static void *nolock_held[64];
static unsigned int nolock_n, nolock_size;
static bool nolock_free;

static void nolock_fn(struct irq_work *w)
{
	if (nolock_free) {
		while (nolock_n)
			kfree_nolock(nolock_held[--nolock_n]);
	} else {
		while (nolock_n < nolock_size >> 16) {
			void *p = site_nolock_irq(nolock_size & 0xffff);

			if (!p)
				break;
			nolock_held[nolock_n++] = p;
		}
	}
	atomic_set(&irq_done, 1);
}
static struct irq_work nolock_work;

static int run_nolock_irq(bool free, unsigned int n, unsigned int size)
{
	if (!free && (n > ARRAY_SIZE(nolock_held) || nolock_n || !size || size > 0xffff))
		return -EINVAL;
	nolock_free = free;
	nolock_size = n << 16 | size;
	atomic_set(&irq_done, 0);
	irq_work_queue(&nolock_work);
	irq_work_sync(&nolock_work);
	if (!atomic_read(&irq_done))
		return -EIO;
	return free || nolock_n == n ? 0 : -ENOMEM;
}

/* The 7.3 commands (the lock held); -ENOENT: not one of them. */
static int run_v73(const char *op, unsigned long n, unsigned long a, unsigned long b)
{
	static const char *const ops[] = {
		"obj", "zobjs", "flex", "kvobjs", "nolock", "nolock_irq",
		"krealloc_align", "kvrealloc_align", "vrealloc_align",
		"pages_nolock", "rcu_nolock",
	};
	int ret = 0;

	if (match_string(ops, ARRAY_SIZE(ops), op) < 0)
		return -ENOENT;
	if (!strcmp(op, "nolock_irq"))
		return run_nolock_irq(false, n, a);
	if (!strcmp(op, "rcu_nolock")) {
		while (n--) {
			struct rcu73 *r = site_rcu_nolock();

			if (!r)
				return -ENOMEM;
			kfree_rcu_nolock(r, kh);
		}
		return 0;
	}
	for (unsigned long i = 0; i < n && !ret; i++) {
		struct held h = { .size = a, .order = a };

		if (!strcmp(op, "obj")) {
			h.kind = K, h.p = site_obj();
		} else if (!strcmp(op, "zobjs")) {
			h.kind = K, h.p = site_zobjs(a);
		} else if (!strcmp(op, "flex")) {
			h.kind = K, h.p = site_flex(a);
		} else if (!strcmp(op, "kvobjs")) {
			h.kind = KV, h.p = site_kvobjs(a);
		} else if (!strcmp(op, "nolock")) {
			h.kind = KNOLOCK, h.p = site_nolock(a);
		} else if (!strcmp(op, "krealloc_align")) {
			void *p = site_kmalloc(a);

			h.kind = K, h.p = p ? site_krealloc_align(p, b) : NULL;
			if (p && !h.p)
				kfree(p);
		} else if (!strcmp(op, "kvrealloc_align")) {
			void *p = site_kvmalloc(a);

			h.kind = KV, h.p = p ? site_kvrealloc_align(p, b) : NULL;
			if (p && !h.p)
				kvfree(p);
		} else if (!strcmp(op, "vrealloc_align")) {
			void *p = site_vmalloc(a);

			h.kind = V, h.p = p ? site_vrealloc_align(p, b) : NULL;
			if (p && !h.p)
				vfree(p);
		} else if (!strcmp(op, "pages_nolock")) {
			h.kind = PAGES, h.page = a <= 3 ? site_pages_nolock(a) : NULL;
		} else {
			return -ENOENT;
		}
		ret = hold(h);
	}
	return ret;
}
#endif

/* "map" and "unmap": pages the module lets go while a process maps them. */
static struct page *map_pages[8];
static unsigned int map_n;
static unsigned long map_addr, map_len;
static struct mm_struct *map_mm;	/* compared, never followed */

static noinline struct page *site_map(void) { return alloc_page(GFP_KERNEL); }

static int map_mmap(struct file *f, struct vm_area_struct *vma)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < map_n && !ret; i++)
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE, map_pages[i]);
	return ret;
}

static const struct file_operations map_fops = {
	.owner = THIS_MODULE,
	.mmap = map_mmap,
};

/* "map N" (the lock held). */
static int map(unsigned long n)
{
	unsigned long addr;
	struct file *f;
	unsigned int i;

	if (!n || n > ARRAY_SIZE(map_pages))
		return -EINVAL;
	for (map_n = 0; map_n < n; map_n++) {
		map_pages[map_n] = site_map();
		if (!map_pages[map_n])
			break;
	}
	if (map_n < n) {
		addr = -ENOMEM;
	} else {
		f = anon_inode_getfile("allocprof_dropin_map", &map_fops, NULL, O_RDWR);
		if (IS_ERR(f)) {
			addr = PTR_ERR(f);
		} else {
			addr = vm_mmap(f, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
			fput(f);
		}
	}
	/* Mapped or not, the module lets its pages go. */
	for (i = 0; i < map_n; i++)
		__free_page(map_pages[i]);
	map_n = 0;
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	map_addr = addr;
	map_len = n * PAGE_SIZE;
	map_mm = current->mm;
	return 0;
}

/* "unmap" (the lock held): in the process that mapped. */
static int unmap(void)
{
	unsigned long addr = map_addr;

	if (!addr || current->mm != map_mm)
		return -EINVAL;
	map_addr = 0;
	return vm_munmap(addr, map_len);
}

/* "churn": the sites of kmalloc, pages and cache, nothing held after. */
static int churn(unsigned long n)
{
	void *k[8], *c[2];
	struct page *pg[2];
	unsigned long i;
	int j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < ARRAY_SIZE(k); j++)
			k[j] = site_kmalloc(64);
		for (j = 0; j < ARRAY_SIZE(pg); j++)
			pg[j] = site_pages(0);
		for (j = 0; j < ARRAY_SIZE(c); j++)
			c[j] = site_cache();
		/* Freed in another order than allocated. */
		for (j = 0; j < ARRAY_SIZE(c); j++)
			if (c[j])
				kmem_cache_free(cache, c[j]);
		for (j = ARRAY_SIZE(k) - 1; j >= 0; j--)
			kfree(k[j]);
		for (j = 0; j < ARRAY_SIZE(pg); j++)
			if (pg[j])
				__free_pages(pg[j], 0);
		cond_resched();
	}
	return 0;
}

static int run(const char *op, unsigned long n, unsigned long a, unsigned long b)
{
	unsigned long i;
	int ret = 0;

	if (!strcmp(op, "free")) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
		ret = run_nolock_irq(true, 0, 0);
#endif
		free_all();
		return ret;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
	ret = run_v73(op, n, a, b);
	if (ret != -ENOENT)
		return ret;
	ret = 0;
#endif
	if (!strncmp(op, "mp_", 3))
		return run_mempool(op, n);
	if (!strcmp(op, "map"))
		return map(n);
	if (!strcmp(op, "unmap"))
		return unmap();
	if (!strcmp(op, "foreign")) {
		char *s = kstrdup("foreign", GFP_KERNEL);

		kfree(s);
		kfree(NULL);
		kfree(ZERO_SIZE_PTR);
#ifdef _ALLOCPROF_DROPIN_H
		/*
		 * What the header's filter test lets through only when an
		 * object of the same hash is recorded: allocprof's look-up
		 * itself must find no slot for them (an empty slot must not
		 * match).  (Not in the plain build of the differential test.)
		 */
		allocprof_dropin_free(0);
		allocprof_dropin_free((unsigned long)ZERO_SIZE_PTR);
#endif
		return 0;
	}
	if (!strcmp(op, "reuse")) {
		void *p = site_reuse(), *q;

		hidden_kfree(p);
		q = site_reuse();
		pr_info("reuse: %s address\n", p == q ? "same" : "another");
		return hold((struct held){ .kind = K, .p = q });
	}
	if (!strcmp(op, "irq")) {
		atomic_set(&irq_done, 0);
		irq_left = n;
		irq_work_queue(&irq_work);
		irq_work_sync(&irq_work);
		return atomic_read(&irq_done) ? 0 : -EIO;
	}
	if (!strcmp(op, "kfree_rcu")) {
		for (i = 0; i < n; i++) {
			struct rcu_obj *o = site_rcu();

			if (!o)
				return -ENOMEM;
			kfree_rcu(o, rcu);
		}
		return 0;
	}
	if (!strcmp(op, "bulk")) {
		void *p[64];
		int got;

		if (n > 64)
			return -EINVAL;
		/* 6.12: the count allocated, 7.3: a bool; 0 (none) on failure. */
		got = site_bulk(n, p);
		if (!got)
			return -ENOMEM;
		for (i = 0; i < n && !ret; i++)
			ret = hold((struct held){ .kind = CACHE, .p = p[i] });
		return ret;
	}
	if (!strcmp(op, "kvrealloc0")) {
		for (i = 0; i < n; i++) {
			void *p = site_vmalloc(a), *q;

			if (!p)
				return -ENOMEM;
			q = site_kvrealloc(p, 0);
			/* Freed, and NULL returned: anything else is a failure. */
			if (q)
				return -EIO;
		}
		return 0;
	}
	if (!strcmp(op, "pageref") || !strcmp(op, "pageref_addr")) {
		if (a > 4)
			return -EINVAL;
		for (i = 0; i < n && !ret; i++) {
			struct page *page;

			if (op[7]) {
				unsigned long addr = site_getpages(a);

				if (!addr)
					return -ENOMEM;
				page = virt_to_page((void *)addr);
				get_page(page);
				free_pages(addr, a);
			} else {
				page = site_pages(a);
				if (!page)
					return -ENOMEM;
				get_page(page);
				__free_pages(page, a);
			}
			ret = hold((struct held){ .kind = PAGEREF, .page = page });
		}
		return ret;
	}
	if (!strcmp(op, "split")) {
		if (a > 4 || !b || b > (1UL << a))
			return -EINVAL;
		for (i = 0; i < n && !ret; i++) {
			struct page *page = site_pages(a);
			unsigned long j;

			if (!page)
				return -ENOMEM;
			split_page(page, a);
			for (j = 0; j < (1UL << a) - b; j++)
				__free_pages(page + j, 0);
			for (; j < (1UL << a) && !ret; j++)
				ret = hold((struct held){ .kind = PAGES, .page = page + j });
		}
		return ret;
	}
	for (i = 0; i < n && !ret; i++) {
		struct held h = { .size = a, .order = a };

		if (!strcmp(op, "kmalloc")) {
			h.kind = K, h.p = site_kmalloc(a);
		} else if (!strcmp(op, "kzalloc")) {
			h.kind = K, h.p = site_kzalloc(a);
		} else if (!strcmp(op, "kcalloc")) {
			h.kind = K, h.p = site_kcalloc(a, b);
		} else if (!strcmp(op, "kmalloc_node")) {
			h.kind = K, h.p = site_kmalloc_node(a);
		} else if (!strcmp(op, "krealloc")) {
			void *p = site_kmalloc(a);

			h.kind = K, h.p = p ? site_krealloc(p, b) : NULL;
			if (p && !h.p)
				kfree(p);
		} else if (!strcmp(op, "kmemdup")) {
			static const char src[4096];

			h.kind = K, h.p = a <= sizeof(src) ? site_kmemdup(src, a) : NULL;
		} else if (!strcmp(op, "kvmalloc")) {
			h.kind = KV, h.p = site_kvmalloc(a);
		} else if (!strcmp(op, "kvzalloc")) {
			h.kind = KV, h.p = site_kvzalloc(a);
		} else if (!strcmp(op, "vmalloc")) {
			h.kind = V, h.p = site_vmalloc(a);
		} else if (!strcmp(op, "vzalloc")) {
			h.kind = V, h.p = site_vzalloc(a);
		} else if (!strcmp(op, "pages")) {
			h.kind = PAGES, h.page = a <= 4 ? site_pages(a) : NULL;
		} else if (!strcmp(op, "folio")) {
			h.kind = FOLIO, h.folio = a <= 4 ? site_folio(a) : NULL;
		} else if (!strcmp(op, "getpages")) {
			h.kind = GETPAGES, h.addr = a <= 4 ? site_getpages(a) : 0;
		} else if (!strcmp(op, "zeroed")) {
			h.kind = GETPAGES, h.order = 0, h.addr = site_zeroed();
		} else if (!strcmp(op, "exact")) {
			h.kind = EXACT, h.p = site_exact(a);
		} else if (!strcmp(op, "cache")) {
			h.kind = CACHE, h.p = site_cache();
		} else if (!strcmp(op, "percpu")) {
			h.kind = PERCPU, h.pcpu = site_percpu(a);
		} else {
			return -EINVAL;
		}
		ret = hold(h);
	}
	return ret;
}

/* devm_: one object per API, allocated by the probe, held until unbind. */
#define DEVM_NAME "allocprof_dropin_devm"
static struct platform_device *devm_pdev;
static struct device *devm_dev;	/* bound: the probe ran, not the remove */
static struct {
	void *kmalloc, *kzalloc, *array, *calloc, *memdup, *memdup_array;
	void *large, *small, *small_array, *extra;
	char *strdup, *asprintf;
	const char *strdup_const, *strdup_const_ro;
} devm;
/* Writable: devm_kstrdup_const() copies it (it is not in .rodata). */
static char devm_str[] = "allocprof devm string";

static noinline void *site_devm_kmalloc(struct device *d) { return devm_kmalloc(d, 100, GFP_KERNEL); }
static noinline void *site_devm_kzalloc(struct device *d) { return devm_kzalloc(d, 200, GFP_KERNEL); }
static noinline void *site_devm_kmalloc_array(struct device *d) { return devm_kmalloc_array(d, 10, 30, GFP_KERNEL); }
static noinline void *site_devm_kcalloc(struct device *d) { return devm_kcalloc(d, 4, 6, GFP_KERNEL); }
static noinline void *site_devm_kmemdup(struct device *d, const void *src) { return devm_kmemdup(d, src, 50, GFP_KERNEL); }
static noinline void *site_devm_kmemdup_array(struct device *d, const void *src) { return devm_kmemdup_array(d, src, 3, 20, GFP_KERNEL); }
static noinline char *site_devm_kstrdup(struct device *d, const char *s) { return devm_kstrdup(d, s, GFP_KERNEL); }
static noinline const char *site_devm_kstrdup_const(struct device *d, const char *s) { return devm_kstrdup_const(d, s, GFP_KERNEL); }
/* hex_asc: a string of the kernel image's .rodata (a module's is copied). */
static noinline const char *site_devm_kstrdup_const_ro(struct device *d) { return devm_kstrdup_const(d, hex_asc, GFP_KERNEL); }
static noinline char *site_devm_kasprintf(struct device *d) { return devm_kasprintf(d, GFP_KERNEL, "allocprof-%d-%s", 42, "devm"); }
static noinline void *site_devm_large(struct device *d) { return devm_kmalloc(d, 10000, GFP_KERNEL); }
static noinline void *site_devm_small(struct device *d) { return devm_kmalloc(d, 8, GFP_KERNEL); }
static noinline void *site_devm_small_array(struct device *d) { return devm_kmalloc_array(d, 4, 4, GFP_KERNEL); }
static noinline void *site_devm_extra(struct device *d) { return devm_kmalloc(d, 64, GFP_KERNEL); }
static noinline void *site_devm_krealloc(struct device *d, void *p) { return devm_krealloc(d, p, 200, GFP_KERNEL); }
static noinline void *site_devm_krealloc_array(struct device *d, void *p) { return devm_krealloc_array(d, p, 16, 16, GFP_KERNEL); }

static int devm_probe(struct platform_device *pdev)
{
	static const u8 src[256];
	struct device *dev = &pdev->dev;

	devm.kmalloc = site_devm_kmalloc(dev);
	devm.kzalloc = site_devm_kzalloc(dev);
	devm.array = site_devm_kmalloc_array(dev);
	devm.calloc = site_devm_kcalloc(dev);
	devm.memdup = site_devm_kmemdup(dev, src);
	devm.memdup_array = site_devm_kmemdup_array(dev, src);
	devm.strdup = site_devm_kstrdup(dev, devm_str);
	devm.strdup_const = site_devm_kstrdup_const(dev, devm_str);
	devm.strdup_const_ro = site_devm_kstrdup_const_ro(dev);
	devm.asprintf = site_devm_kasprintf(dev);
	devm.large = site_devm_large(dev);
	devm.small = site_devm_small(dev);
	devm.small_array = site_devm_small_array(dev);
	if (!devm.kmalloc || !devm.kzalloc || !devm.array || !devm.calloc ||
	    !devm.memdup || !devm.memdup_array || !devm.strdup ||
	    !devm.strdup_const || !devm.strdup_const_ro || !devm.asprintf ||
	    !devm.large || !devm.small || !devm.small_array)
		return -ENOMEM;
	mutex_lock(&lock);
	devm_dev = dev;
	mutex_unlock(&lock);
	return 0;
}

static void devm_remove(struct platform_device *pdev)
{
	mutex_lock(&lock);
	devm_dev = NULL;
	memset(&devm, 0, sizeof(devm));
	mutex_unlock(&lock);
}

static struct platform_driver devm_driver = {
	.probe = devm_probe,
	.remove = devm_remove,
	.driver = { .name = DEVM_NAME },
};

/* The devm_ commands (the lock held). */
static int run_devm(const char *op)
{
	struct device *dev = devm_dev;
	void *p;

	if (!dev)
		return -ENODEV;
	if (!strcmp(op, "devm_free")) {
		devm_kfree(dev, devm.kmalloc);
		devm_kfree(dev, devm.kzalloc);
		devm_kfree(dev, devm.strdup);
		devm.kmalloc = devm.kzalloc = devm.strdup = NULL;
		return 0;
	}
	if (!strcmp(op, "devm_realloc")) {
		p = site_devm_krealloc(dev, devm.small);
		if (!p)
			return -ENOMEM;
		devm.small = p;
		p = site_devm_krealloc_array(dev, devm.small_array);
		if (!p)
			return -ENOMEM;
		devm.small_array = p;
		return 0;
	}
	if (!strcmp(op, "devm_extra")) {
		if (devm.extra)
			return -EBUSY;
		devm.extra = site_devm_extra(dev);
		return devm.extra ? 0 : -ENOMEM;
	}
	if (!strcmp(op, "devm_extra_free")) {
		devm_kfree(dev, devm.extra);
		devm.extra = NULL;
		return 0;
	}
	return -EINVAL;
}

static ssize_t control_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	char op[16];
	unsigned long n = 0, a = 0, b = 0;
	int ret;

	if (sscanf(buf, "%15s %lu %lu %lu", op, &n, &a, &b) < 1)
		return -EINVAL;
	if (!strcmp(op, "churn"))
		return churn(n) ?: count;
	if (!strcmp(op, "free_addr")) {
		/* Without the lock: the test unloads the page's module meanwhile. */
		free_page(n);
		return count;
	}
	if (n > MAX_HELD)
		return -EINVAL;
	mutex_lock(&lock);
	if (!strncmp(op, "devm_", 5))
		ret = run_devm(op);
	else
		ret = run(op, n, a, b);
	mutex_unlock(&lock);
	return ret ?: count;
}

static struct kobj_attribute control = __ATTR_WO(control);
static struct kobject *dir;

static int __init dropin_test_init(void)
{
	int ret;

	mempool_bytes = kmalloc_size_roundup(sizeof(mempool_t));
	/* An allocation inside a pr_info() argument, as kernel samples do. */
	pr_info("init buffer %s\n", (initbuf = kmalloc(16, GFP_KERNEL)) ? "allocated" : "failed");
	if (!initbuf)
		return -ENOMEM;
	cache = kmem_cache_create("allocprof_dropin_test", 100, 0, 0, NULL);
	if (!cache)
		return -ENOMEM;
	init_irq_work(&irq_work, irq_fn);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
	init_irq_work(&nolock_work, nolock_fn);
#endif
	dir = kobject_create_and_add("allocprof_dropin_test", kernel_kobj);
	if (!dir) {
		ret = -ENOMEM;
		goto out_cache;
	}
	ret = sysfs_create_file(dir, &control.attr);
	if (ret)
		goto out_dir;
	/* The device's probe (devm_probe()) runs now. */
	ret = platform_driver_register(&devm_driver);
	if (ret)
		goto out_dir;
	devm_pdev = platform_device_register_simple(DEVM_NAME, PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(devm_pdev)) {
		ret = PTR_ERR(devm_pdev);
		goto out_driver;
	}
	return 0;

out_driver:
	platform_driver_unregister(&devm_driver);
out_dir:
	kobject_put(dir);
out_cache:
	kmem_cache_destroy(cache);
	kfree(initbuf);
	return ret;
}

static void __exit dropin_test_exit(void)
{
	platform_device_unregister(devm_pdev);
	platform_driver_unregister(&devm_driver);
	kobject_put(dir);
	if (hide_frees) {
		/* Freed, but not through the hooks: still live for allocprof. */
		while (nheld) {
			struct held *h = &held[--nheld];

			if (h->kind == K)
				hidden_kfree(h->p);
			else
				free_one(h);
		}
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
	run_nolock_irq(true, 0, 0);
#endif
	free_all();
	if (mp_slab)
		mp_destroy_all();
	kmem_cache_destroy(cache);
	kfree(initbuf);
}

module_init(dropin_test_init);
module_exit(dropin_test_exit);
MODULE_DESCRIPTION("allocprof drop-in test: a plain C module");
MODULE_LICENSE("GPL");
