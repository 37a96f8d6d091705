/**
 * Issue 21: the public board's pages, from Handlebars files beside this module:
 *
 *   <page>.hbs            one per page (regions, region, referrals, lookup, verify, message), in
 *                         both languages: the words come from words/<lang>.json (`w` in the view)
 *   partials/layout.hbs   the page around them: <html lang>, the language switch, the stylesheet,
 *                         and the chain check's two scripts when the page has the check
 *   partials/*.hbs        the look-up and verification forms, the check block, the referrals table
 *
 * Everything is escaped (Handlebars' default); no page holds an inline script or style, so the
 * pages' CSP allows this origin's files alone (api/routes/board.ts). A build must copy
 * templates/board and api/board next to the compiled code, as it does templates/documents.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';

export const BOARD_TEMPLATES_DIR = __dirname;

export const BOARD_PAGES = ['regions', 'region', 'referrals', 'lookup', 'verify', 'message'] as const;
export type BoardPage = (typeof BOARD_PAGES)[number];

// strict: a view that lacks a field the template names fails the render instead of printing nothing.
const COMPILE = { strict: true, knownHelpersOnly: true } as const;

const hbs = Handlebars.create();
for (const file of readdirSync(join(BOARD_TEMPLATES_DIR, 'partials'))) {
  if (file.endsWith('.hbs')) hbs.registerPartial(basename(file, '.hbs'), hbs.compile(readFileSync(join(BOARD_TEMPLATES_DIR, 'partials', file), 'utf8'), COMPILE));
}

// Read when this module loads: a missing page stops the API at start, not at a visitor’s request.
const PAGES = new Map(BOARD_PAGES.map((page) => [page, hbs.compile(readFileSync(join(BOARD_TEMPLATES_DIR, `${page}.hbs`), 'utf8'), COMPILE)]));

/** A page as HTML; `view` is what templates/board/views.ts builds for it. */
export function renderBoardPage(page: BoardPage, view: object): string {
  return PAGES.get(page)!(view);
}
