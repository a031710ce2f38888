// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof: the page frees of drop-in modules that src/dropin/pages.rs
 * does not make on its straight path (C: page_ref_count(), put_page(),
 * PageHead() and set_page_count() are inline functions of the kernel's
 * headers), and the page arithmetic it needs.
 */
#include <linux/mm.h>
#include <linux/page_ref.h>

#include "allocprof_abi.h"
#include "dropin.h"

#ifndef CONFIG_SPARSEMEM_VMEMMAP
#error "allocprof's drop-in mode computes struct page addresses as SPARSEMEM_VMEMMAP does"
#endif

/*
 * Sets allocprof_page_map (src/dropin/page_map.rs): PAGE_OFFSET, vmemmap
 * (with KASLR, chosen at boot), and vmemmap - PAGE_OFFSET / (PAGE_SIZE /
 * sizeof(struct page)): the struct page of a direct-map page is its
 * address over that scale plus this.
 */
unsigned long allocprof_page_map[3];

int allocprof_page_map_init(void)
{
	struct page *page = alloc_page(GFP_KERNEL);
	int ret = 0;

	BUILD_BUG_ON(PAGE_SIZE % sizeof(struct page));
	allocprof_page_map[0] = PAGE_OFFSET;
	allocprof_page_map[1] = (unsigned long)vmemmap;
	allocprof_page_map[2] = (unsigned long)vmemmap -
				PAGE_OFFSET / (PAGE_SIZE / sizeof(struct page));
	if (!page)
		return -ENOMEM;
	/* The arithmetic of src/dropin/page_map.rs, checked once. */
	if (allocprof_dropin_page_addr(page) != (unsigned long)page_address(page) ||
	    allocprof_dropin_addr_page((unsigned long)page_address(page)) != page) {
		pr_err("allocprof: struct page arithmetic does not match this kernel's\n");
		ret = -EINVAL;
	}
	__free_page(page);
	return ret;
}

/*
 * __free_pages(@page, @order) of a drop-in module whose count was not 1
 * when allocprof looked: another reference holds the block (a mapping of
 * a process, the network stack, a PFN walker's), which the kernel may
 * drop where allocprof cannot see it (munmap(), a process's exit).
 * Upstream uncharges the block with its last reference, wherever that
 * goes.  So allocprof keeps the module's reference instead of dropping
 * it, the entry marked released (src/dropin/pages.rs), and drops it
 * itself once it is the only one left (allocprof_pages_settle()): the
 * entry goes, then the kernel frees the block.  While allocprof holds a
 * reference the block cannot be freed, so it cannot be allocated again
 * by anyone and mistaken for the module's.  As __free_pages() does, a
 * block that is not a compound page keeps its first page (its entry then
 * charged that page) and its tail pages are freed now.  A block the table
 * no longer holds is the kernel's to free.
 */
void allocprof_pages_free_shared(struct page *page, unsigned int order)
{
	/* Before the reference goes, as __free_pages() reads it. */
	bool head = PageHead(page);
	unsigned long addr = (unsigned long)page_address(page);

	if (!allocprof_dropin_pages_release(addr, !head && order)) {
		__free_pages(page, order);
		return;
	}
	/*
	 * The tail blocks of a block that is not a compound page, as
	 * __free_pages() frees them (free_unref_page() is not exported): each
	 * has a count of 0; given one, the kernel's free drops it.
	 */
	while (!head && order-- > 0) {
		struct page *tail = page + (1 << order);

		set_page_count(tail, 1);
		__free_pages(tail, order);
	}
	/* The other references may have gone meanwhile. */
	allocprof_pages_settle(addr, false);
}

/*
 * A released block (allocprof_pages_free_shared()) at @addr: if
 * allocprof's reference is the only one left (or @force: its module is
 * going), its entry goes (uncharged), then the reference is dropped,
 * which frees the block if it was the last.  The entry's removal decides:
 * only the one who removes it drops the reference, so two callers at
 * once, or a caller whose block another has settled meanwhile, drop
 * nothing.  A reference taken after the look (a PFN walker's
 * get_page_unless_zero()) keeps the block until it goes; the module had
 * let it go.
 */
void allocprof_pages_settle(unsigned long addr, bool force)
{
	struct page *page = virt_to_page((void *)addr);

	if ((force || page_ref_count(page) == 1) &&
	    allocprof_dropin_pages_settled(addr))
		put_page(page);
}
