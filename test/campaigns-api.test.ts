import t, { type Test } from 'tap';
import { count } from 'drizzle-orm';
import { campaignSections, campaignTaskUnits, campaignTasks, campaigns } from '../src/db/schema/index.js';
import type { Database } from '../src/db/client.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildCampaign, buildUnit } from './helpers/factories.js';
import { problem as expectProblem } from './helpers/problem.js';

type Task = { id: string; sectionId: string; position: number; titleZh: string; leadUnits: { id: string; slug: string }[] };
type Section = { id: string; position: number; titleZh: string; tasks: Task[] };
type Campaign = { id: string; slug: string; year: number; titleZh: string; sections: Section[]; updatedAt: string };


const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

async function rowCounts(db: Database) {
  const n = async (table: typeof campaigns | typeof campaignSections | typeof campaignTasks | typeof campaignTaskUnits) =>
    (await db.select({ n: count() }).from(table))[0]!.n;
  return { campaigns: await n(campaigns), sections: await n(campaignSections), tasks: await n(campaignTasks), leads: await n(campaignTaskUnits) };
}

async function setup(t: Test) {
  const { app, db } = await build(t);
  const cast = await buildUnit(db, { slug: 'district-cast', kind: 'association', nameZh: '区科协' });
  const education = await buildUnit(db, { slug: 'district-education', nameZh: '区教委' });
  const health = await buildUnit(db, { slug: 'district-health', nameZh: '区卫健委' });
  const plan = (overrides: Record<string, unknown> = {}) => ({
    slug: 'miyun-2024', year: 2024, titleZh: '2024年密云区科普工作要点', titleEn: 'Miyun District Science Popularisation Work Plan 2024',
    sections: [
      {
        titleZh: '加强科普能力建设，促进科普高质量发展',
        tasks: [
          { titleZh: '促进科技创新资源科普化', leadUnitIds: [cast.id, education.id] },
          { titleZh: '开展应急科普活动与宣传', descriptionZh: '在日常科普中融入应急理念和知识。', leadUnitIds: [health.id] },
        ],
      },
      { titleZh: '持续做优科普品牌活动', titleEn: 'Flagship events', tasks: [{ titleZh: '大力开展特色科普活动' }] },
      { titleZh: '强化科普统筹管理' },
    ],
    ...overrides,
  });
  const post = (payload: object, headers: Record<string, string> = adminHeaders) => app.inject({ method: 'POST', url: '/api/v1/campaigns', headers, payload });
  return { app, db, units: { cast, education, health }, plan, post };
}

t.test('create a whole plan in one request', async (t) => {
  const { app, post, plan, units } = await setup(t);
  const res = await post(plan());
  t.equal(res.statusCode, 201, res.body);
  const c = res.json<Campaign>();
  t.match(c, { slug: 'miyun-2024', year: 2024, titleZh: '2024年密云区科普工作要点', descriptionZh: null });
  t.strictSame(c.sections.map((s) => [s.position, s.titleZh]), [[1, '加强科普能力建设，促进科普高质量发展'], [2, '持续做优科普品牌活动'], [3, '强化科普统筹管理']]);
  const [first, second, third] = c.sections;
  t.strictSame(first!.tasks.map((x) => [x.position, x.titleZh]), [[1, '促进科技创新资源科普化'], [2, '开展应急科普活动与宣传']]);
  t.strictSame(first!.tasks[0]!.leadUnits.map((u) => u.slug), ['district-cast', 'district-education']);
  t.strictSame(first!.tasks[1]!.leadUnits, [{ id: units.health.id, slug: 'district-health', nameZh: '区卫健委', nameEn: 'Test Bureau' }]);
  t.equal(first!.tasks[0]!.sectionId, first!.id);
  t.strictSame(second!.tasks[0]!.leadUnits, []);
  t.strictSame(third!.tasks, []);

  const got = await app.inject({ url: `/api/v1/campaigns/${c.id}` });
  t.equal(got.statusCode, 200);
  t.strictSame(got.json(), c, 'GET returns what POST returned');
  problem(t, await app.inject({ url: `/api/v1/campaigns/${UNKNOWN_ID}` }), 404, 'campaign_not_found');
  problem(t, await post(plan({ sections: [] })), 409, 'duplicate');
});

t.test('an unknown lead unit refuses the whole plan and writes nothing', async (t) => {
  const { db, post, plan, units } = await setup(t);
  const before = await rowCounts(db);
  const body = plan();
  (body.sections as { tasks?: { leadUnitIds?: string[] }[] }[])[0]!.tasks![1]!.leadUnitIds = [UNKNOWN_ID, units.health.id];
  problem(t, await post(body), 422, 'unknown_reference', ['/sections/0/tasks/1/leadUnitIds/0']);
  t.strictSame(await rowCounts(db), before, 'no campaign, section, task or lead row was written');
  t.equal(before.campaigns, 0);

  problem(t, await post(plan({ year: 1999 })), 400, 'validation_failed', ['/year']);
  problem(t, await post(plan({ slug: 'Miyun 2024' })), 400, 'validation_failed', ['/slug']);
  problem(t, await post(plan({ sections: [{ titleZh: '一', tasks: [{ titleZh: '任务', leadUnitIds: [units.cast.id, units.cast.id] }] }] })), 400, 'validation_failed');
  problem(t, await post(plan({ sections: [{ titleZh: '一', tasks: [{ titleZh: '任务', leadUnitIds: ['not-a-uuid'] }] }] })), 400, 'validation_failed', ['/sections/0/tasks/0/leadUnitIds/0']);
  problem(t, await post(plan({ sections: [{ titleZh: '一', tasks: [{ titleZh: '任务', owner: 'x' }] }] })), 400, 'validation_failed', ['/sections/0/tasks/0/owner']);
  problem(t, await post(plan(), {}), 401, 'authentication_required');
  t.strictSame(await rowCounts(db), before);
});

t.test('add sections and tasks, patch tasks and sections', async (t) => {
  const { app, db, post, plan, units } = await setup(t);
  const c = (await post(plan())).json<Campaign>();
  const other = await buildCampaign(db, { year: 2025 });

  const addSection = (campaignId: string, payload: object, headers: Record<string, string> = adminHeaders) =>
    app.inject({ method: 'POST', url: `/api/v1/campaigns/${campaignId}/sections`, headers, payload });
  const added = await addSection(c.id, { titleZh: '保水保生态，科普助力筑牢生态屏障', tasks: [{ titleZh: '保水护水科普', leadUnitIds: [units.cast.id] }] });
  t.equal(added.statusCode, 201, added.body);
  const sections = added.json<Campaign>().sections;
  t.equal(sections.length, 4);
  t.match(sections[3], { position: 4, titleZh: '保水保生态，科普助力筑牢生态屏障', tasks: [{ position: 1, titleZh: '保水护水科普', leadUnits: [{ slug: 'district-cast' }] }] });
  t.ok(Date.parse(added.json<Campaign>().updatedAt) >= Date.parse(c.updatedAt));
  problem(t, await addSection(c.id, { titleZh: '六', tasks: [{ titleZh: '任务', leadUnitIds: [UNKNOWN_ID] }] }), 422, 'unknown_reference', ['/tasks/0/leadUnitIds/0']);
  problem(t, await addSection(UNKNOWN_ID, { titleZh: '六' }), 404, 'campaign_not_found');
  problem(t, await addSection(c.id, { titleZh: '六' }, {}), 401, 'authentication_required');
  t.equal((await app.inject({ url: `/api/v1/campaigns/${c.id}` })).json<Campaign>().sections.length, 4, 'refused sections were not added');

  const sectionId = c.sections[0]!.id;
  const addTask = (campaignId: string, section: string, payload: object) =>
    app.inject({ method: 'POST', url: `/api/v1/campaigns/${campaignId}/sections/${section}/tasks`, headers: adminHeaders, payload });
  const withTask = await addTask(c.id, sectionId, { titleZh: '加大科普产品供给力度', leadUnitIds: [units.education.id] });
  t.equal(withTask.statusCode, 201, withTask.body);
  const tasks = withTask.json<Campaign>().sections[0]!.tasks;
  t.strictSame(tasks.map((x) => [x.position, x.titleZh]), [[1, '促进科技创新资源科普化'], [2, '开展应急科普活动与宣传'], [3, '加大科普产品供给力度']]);
  problem(t, await addTask(other.campaign.id, sectionId, { titleZh: '错的计划' }), 404, 'section_not_found');
  problem(t, await addTask(c.id, other.section.id, { titleZh: '错的计划' }), 404, 'section_not_found');
  problem(t, await addTask(c.id, sectionId, { titleZh: '任务', leadUnitIds: [UNKNOWN_ID] }), 422, 'unknown_reference', ['/leadUnitIds/0']);

  const taskId = tasks[2]!.id;
  const patchTask = (campaignId: string, id: string, payload: object) =>
    app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${campaignId}/tasks/${id}`, headers: adminHeaders, payload });
  const relead = await patchTask(c.id, taskId, { leadUnitIds: [units.health.id, units.cast.id] });
  t.equal(relead.statusCode, 200, relead.body);
  const findTask = (campaign: Campaign, id: string) => campaign.sections.flatMap((s) => s.tasks).find((x) => x.id === id)!;
  t.strictSame(findTask(relead.json(), taskId).leadUnits.map((u) => u.slug), ['district-cast', 'district-health'], 'lead units are replaced');
  const renamed = await patchTask(c.id, taskId, { titleZh: '加大科普产品供给', descriptionZh: '鼓励开发科普展品。' });
  t.match(findTask(renamed.json(), taskId), { titleZh: '加大科普产品供给', descriptionZh: '鼓励开发科普展品。' });
  t.equal(findTask(renamed.json(), taskId).leadUnits.length, 2, 'lead units not sent stay');
  const cleared = await patchTask(c.id, taskId, { leadUnitIds: [] });
  t.strictSame(findTask(cleared.json(), taskId).leadUnits, []);
  problem(t, await patchTask(c.id, taskId, { leadUnitIds: [UNKNOWN_ID] }), 422, 'unknown_reference', ['/leadUnitIds/0']);
  problem(t, await patchTask(other.campaign.id, taskId, { titleZh: 'x' }), 404, 'task_not_found');
  problem(t, await patchTask(c.id, other.task.id, { titleZh: 'x' }), 404, 'task_not_found');
  problem(t, await patchTask(c.id, taskId, {}), 400, 'validation_failed');

  const patchSection = (campaignId: string, id: string, payload: object) =>
    app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${campaignId}/sections/${id}`, headers: adminHeaders, payload });
  const moved = await patchSection(c.id, sectionId, { position: 9, titleEn: 'Capacity' });
  t.equal(moved.statusCode, 200, moved.body);
  t.match(moved.json<Campaign>().sections.at(-1), { id: sectionId, position: 9, titleEn: 'Capacity' }, 'sections are in position order');
  const appended = (await addSection(c.id, { titleZh: '附：年度考评' })).json<Campaign>().sections;
  t.match(appended.at(-1), { titleZh: '附：年度考评', position: 10 }, 'a new section goes after the last one, wherever that was moved');
  await patchTask(c.id, tasks[0]!.id, { position: 7 });
  const taskAppended = (await addTask(c.id, sectionId, { titleZh: '新增任务' })).json<Campaign>().sections.find((s) => s.id === sectionId)!.tasks;
  t.match(taskAppended.at(-1), { titleZh: '新增任务', position: 8 }, 'a new task goes after the last one');
  problem(t, await patchSection(other.campaign.id, sectionId, { titleZh: 'x' }), 404, 'section_not_found');
  problem(t, await patchSection(c.id, sectionId, { tasks: [] }), 400, 'validation_failed', ['/tasks']);

  const patched = await app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${c.id}`, headers: adminHeaders, payload: { titleEn: 'Plan 2024', descriptionZh: '工作要点' } });
  t.equal(patched.statusCode, 200, patched.body);
  t.match(patched.json(), { titleEn: 'Plan 2024', descriptionZh: '工作要点', titleZh: '2024年密云区科普工作要点' });
  t.equal(patched.json<Campaign>().sections.length, 5, 'sections stay');
  problem(t, await app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${c.id}`, headers: adminHeaders, payload: { slug: other.campaign.slug } }), 409, 'duplicate');
  problem(t, await app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${UNKNOWN_ID}`, headers: adminHeaders, payload: { titleEn: 'x' } }), 404, 'campaign_not_found');
  problem(t, await app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${c.id}`, headers: adminHeaders, payload: { sections: [] } }), 400, 'validation_failed', ['/sections']);
});

t.test('list campaigns, by year', async (t) => {
  const { app, post, plan } = await setup(t);
  await post(plan());
  await post(plan({ slug: 'miyun-2025', year: 2025, titleZh: '2025年密云区科普工作要点' }));
  await post(plan({ slug: 'huairou-2025', year: 2025, titleZh: '2025年怀柔区科普工作要点', sections: [] }));

  const all = await app.inject({ url: '/api/v1/campaigns' });
  t.equal(all.statusCode, 200);
  t.strictSame(all.json().items.map((c: Campaign) => c.slug), ['huairou-2025', 'miyun-2025', 'miyun-2024'], 'newest year first, then by slug');
  const y2025 = (await app.inject({ url: '/api/v1/campaigns?year=2025' })).json().items;
  t.strictSame(y2025.map((c: Campaign) => c.slug), ['huairou-2025', 'miyun-2025']);
  t.equal(y2025[1].sections.length, 3, 'listed plans carry their sections');
  t.strictSame((await app.inject({ url: '/api/v1/campaigns?year=2030' })).json(), { items: [] });
  problem(t, await app.inject({ url: '/api/v1/campaigns?year=twenty' }), 400, 'validation_failed', ['/year']);
  problem(t, await app.inject({ url: '/api/v1/campaigns?yaer=2024' }), 400, 'validation_failed', ['/yaer']);
});

/** These files check that the named fields are among those at fault. */
function problem(t: Parameters<typeof expectProblem>[0], res: Parameters<typeof expectProblem>[1], status: number, code: string, pointers?: string[]) {
  return expectProblem(t, res, status, code, pointers, { exact: false });
}
