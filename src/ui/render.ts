import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** Sends a page: Preact escapes every text and attribute it renders, so data never becomes markup. */
export function sendPage(reply: FastifyReply, page: VNode, status = 200) {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(`<!doctype html>${renderToString(page)}`);
}

/** After a form post: 303 makes the browser GET the next page, so a reload does not post twice. */
export const seeOther = (reply: FastifyReply, location: string) => reply.redirect(location, 303);
