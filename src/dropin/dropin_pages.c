// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof: the page frees of drop-in modules that src/dropin/pages.rs
 * does not make on its straight path (C: page_ref_add_unless(),
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
 * when allocprof looked (another reference holds the block, or did), as
 * mm/page_alloc.c's __free_pages() charges it: if this is the last
 * reference after all, the block's entry goes with the block; if not, a
 * compound page stays whole (its last reference frees it: __folio_put(),
 * which a drop-in module's free uncharges), while a block that is not one
 * keeps its first page and its tail pages are freed now, the entry then
 * charged that one page.
 */
/*
 * page_ref_add_unless(@page, -1, 1): whether a reference was dropped, the
 * count not being 1.  7.3 has no page_ref_add_unless() (its ..._zero form
 * alone): there, its body.
 */
static bool allocprof_page_ref_put_unless_last(struct page *page)
{
#if ALLOCPROF_KERNEL_7_3
	bool ret = atomic_add_unless(&page->_refcount, -1, 1);

	if (page_ref_tracepoint_active(page_ref_mod_unless))
		__page_ref_mod_unless(page, -1, ret);
	return ret;
#else
	return page_ref_add_unless(page, -1, 1);
#endif
}

void allocprof_pages_free_shared(struct page *page, unsigned int order)
{
	/* Before the reference goes, as __free_pages() reads it. */
	bool head = PageHead(page);
	unsigned long addr = (unsigned long)page_address(page);

	if (!allocprof_page_ref_put_unless_last(page)) {
		/* The count is 1: the last reference, this one. */
		allocprof_dropin_pages_forget(addr);
		__free_pages(page, order);
		return;
	}
	if (head || !order)
		return;
	allocprof_dropin_pages_keep_first(addr);
	/*
	 * The tail blocks, as __free_pages() frees them (free_unref_page()
	 * is not exported): each has a count of 0; given one, the kernel's
	 * free drops it.
	 */
	while (order-- > 0) {
		struct page *tail = page + (1 << order);

		set_page_count(tail, 1);
		__free_pages(tail, order);
	}
}
