import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Problem } from '../../../lib/problems.js';
import type { CampaignResponse } from '../../../modules/campaigns/campaigns.schemas.js';
import { apiFor, type ApiCall } from '../../api.js';
import { Csrf, ErrorSummary } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { localized, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import {
  CampaignFormPage, CopiedNotice, CopyCampaignForm, SectionFields, SectionFormPage, TaskFormPage, campaignBody, copyBody, copyDefaults, renameLeadUnits, sectionBody, taskBody,
} from './campaign-forms.js';
import { DoneNotice, bodyOf, formOf, refusal, staffPage, type FormValues, type UnitItem } from './shared.js';

type Section = CampaignResponse['sections'][number];
type Task = Section['tasks'][number];
const isAdmin = (view: View) => view.staff?.role === 'admin';

function CampaignListPage({ view, campaigns, done }: { view: View; campaigns: CampaignResponse[]; done?: string }) {
  const { t } = view;
  const sorted = [...campaigns].sort((a, b) => b.year - a.year || a.slug.localeCompare(b.slug));
  return (
    <Layout view={view} title={t('adminSettings.campaigns.title')} admin>
      <h1>{t('adminSettings.campaigns.title')}</h1>
      <DoneNotice view={view} done={done} />
      {isAdmin(view) && <p class="actions"><a class="button" href="/admin/campaigns/new">{t('adminSettings.campaigns.new')}</a></p>}
      {sorted.length === 0 ? <p>{t('adminSettings.campaigns.none')}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('adminSettings.year')}</th>
                <th scope="col">{t('adminSettings.campaigns.plan')}</th>
                <th scope="col">{t('adminSettings.campaigns.sectionCount')}</th>
                <th scope="col">{t('adminSettings.campaigns.taskCount')}</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((c) => (
                <tr>
                  <td>{c.year}</td>
                  <th scope="row"><a href={`/admin/campaigns/${c.id}`}>{localized(view, c.titleZh, c.titleEn)}</a></th>
                  <td>{c.sections.length}</td>
                  <td>{c.sections.reduce((n, s) => n + s.tasks.length, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

function TaskTable({ view, campaign, section }: { view: View; campaign: CampaignResponse; section: Section }) {
  const { t } = view;
  if (section.tasks.length === 0) return <p>{t('adminSettings.campaigns.noTasks')}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('adminSettings.campaigns.number')}</th>
            <th scope="col">{t('adminSettings.campaigns.task')}</th>
            <th scope="col">{t('adminSettings.campaigns.leadUnits')}</th>
            {isAdmin(view) && <th scope="col">{t('adminSettings.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {section.tasks.map((task: Task, i) => (
            <tr>
              <td>{i + 1}</td>
              <th scope="row">{localized(view, task.titleZh, task.titleEn)}{task.descriptionZh && <p class="muted">{task.descriptionZh}</p>}</th>
              <td>{task.leadUnits.length === 0 ? '—' : (
                <ul class="tags">{task.leadUnits.map((unit) => <li class="tag">{localized(view, unit.nameZh, unit.nameEn)}</li>)}</ul>
              )}</td>
              {isAdmin(view) && <td><a href={`/admin/campaigns/${campaign.id}/tasks/${task.id}/edit`} aria-label={t('adminSettings.editNamed', { name: localized(view, task.titleZh, task.titleEn) })}>{t('adminSettings.edit')}</a></td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type PlanProps = {
  view: View; campaign: CampaignResponse; form: FormValues; errors: FormErrors; done?: string;
  copy?: { form: FormValues; errors: FormErrors }; copied?: { events?: string; withoutVenue?: string };
};

function CampaignPage({ view, campaign, form, errors, done, copy, copied }: PlanProps) {
  const { t } = view;
  const title = localized(view, campaign.titleZh, campaign.titleEn);
  const description = localized(view, campaign.descriptionZh ?? '', campaign.descriptionEn);
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p><a href="/admin/campaigns">{t('adminSettings.campaigns.backToList')}</a></p>
      <DoneNotice view={view} done={done} />
      {copied && <CopiedNotice view={view} {...copied} />}
      <dl class="facts">
        <dt>{t('adminSettings.year')}</dt><dd>{campaign.year}</dd>
        <dt>{t('adminSettings.slug')}</dt><dd>{campaign.slug}</dd>
      </dl>
      {description && <p>{description}</p>}
      {isAdmin(view) && <p class="actions"><a href={`/admin/campaigns/${campaign.id}/edit`}>{t('adminSettings.campaigns.editPlan')}</a></p>}
      {campaign.sections.length === 0 && <p>{t('adminSettings.campaigns.noSections')}</p>}
      {campaign.sections.map((section, i) => {
        const sectionTitle = localized(view, section.titleZh, section.titleEn);
        return (
          <section aria-labelledby={`section-${section.id}`}>
            <h2 id={`section-${section.id}`}>{t('adminSettings.campaigns.sectionHeading', { n: i + 1, title: sectionTitle })}</h2>
            <TaskTable view={view} campaign={campaign} section={section} />
            {isAdmin(view) && (
              <p class="actions">
                <a href={`/admin/campaigns/${campaign.id}/sections/${section.id}/tasks/new`}>{t('adminSettings.campaigns.addTaskTo', { section: sectionTitle })}</a>
                <a href={`/admin/campaigns/${campaign.id}/sections/${section.id}/edit`}>{t('adminSettings.campaigns.editSection', { section: sectionTitle })}</a>
              </p>
            )}
          </section>
        );
      })}
      {isAdmin(view) && (
        <>
          <h2 id="add-section">{t('adminSettings.campaigns.addSection')}</h2>
          <ErrorSummary view={view} errors={errors} />
          <form method="post" action={`/admin/campaigns/${campaign.id}/sections`} class="narrow">
            <Csrf view={view} />
            <SectionFields view={view} form={form} errors={errors} />
            <button type="submit">{t('adminSettings.campaigns.addSectionSubmit')}</button>
          </form>
          <CopyCampaignForm view={view} campaign={campaign} form={copy?.form ?? copyDefaults(campaign)} errors={copy?.errors ?? noErrors} />
        </>
      )}
    </Layout>
  );
}

const unitsOf = async (api: ApiCall) => bodyOf(await api<{ items: UnitItem[] }>('GET', '/units')).items;
const campaignOf = async (api: ApiCall, id: string) => bodyOf(await api<CampaignResponse>('GET', `/campaigns/${encodeURIComponent(id)}`));

/** The year's plans (工作要点): sections, tasks and their lead units. Only administrators change them (the API says). */
export const campaignPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  const done = (id: string, flag: string) => `/admin/campaigns/${encodeURIComponent(id)}?done=${flag}`;

  app.get<{ Querystring: { done?: string } }>('/admin/campaigns', staffPage, async (request, reply) => {
    const { items } = bodyOf(await apiFor(inject, request)<{ items: CampaignResponse[] }>('GET', '/campaigns'));
    return sendPage(reply, <CampaignListPage view={viewOf(request)} campaigns={items} done={request.query.done} />);
  });

  app.get('/admin/campaigns/new', staffPage, async (request, reply) => sendPage(reply, <CampaignFormPage view={viewOf(request)} form={{}} errors={noErrors} />));

  app.post('/admin/campaigns/new', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const answer = await apiFor(inject, request, csrfOf(form))<CampaignResponse>('POST', '/campaigns', campaignBody(form, { editing: false }));
    if (answer.ok) return seeOther(reply, done(answer.body.id, 'campaignCreated'));
    const errors = refusal(view, answer.problem);
    if (answer.problem.code === 'duplicate') errors.fields.slug = view.t('adminSettings.slugTaken');
    return sendPage(reply, <CampaignFormPage view={view} form={form} errors={errors} />, answer.status);
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string; events?: string; withoutVenue?: string } }>('/admin/campaigns/:id', staffPage, async (request, reply) => {
    const campaign = await campaignOf(apiFor(inject, request), request.params.id);
    const { done: flag, events, withoutVenue } = request.query;
    return sendPage(reply, <CampaignPage view={viewOf(request)} campaign={campaign} form={{}} errors={noErrors} done={flag} copied={{ events, withoutVenue }} />);
  });

  app.post<{ Params: { id: string } }>('/admin/campaigns/:id/copy', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api<{ id: string; eventsCopied: number; eventsWithoutVenue: unknown[] }>('POST', `/campaigns/${encodeURIComponent(request.params.id)}/copy`, copyBody(form));
    if (answer.ok) {
      const { id, eventsCopied, eventsWithoutVenue } = answer.body;
      return seeOther(reply, `${done(id, 'campaignCopied')}&events=${eventsCopied}&withoutVenue=${eventsWithoutVenue.length}`);
    }
    const errors = refusal(view, answer.problem);
    if (answer.problem.code === 'duplicate') errors.fields.slug = view.t('adminSettings.slugTaken');
    const campaign = await campaignOf(api, request.params.id);
    return sendPage(reply, <CampaignPage view={view} campaign={campaign} form={{}} errors={noErrors} copy={{ form, errors }} />, answer.status);
  });

  app.get<{ Params: { id: string } }>('/admin/campaigns/:id/edit', staffPage, async (request, reply) => {
    const c = await campaignOf(apiFor(inject, request), request.params.id);
    const form = { slug: c.slug, year: String(c.year), titleZh: c.titleZh, titleEn: c.titleEn ?? '', descriptionZh: c.descriptionZh ?? '', descriptionEn: c.descriptionEn ?? '' };
    return sendPage(reply, <CampaignFormPage view={viewOf(request)} form={form} errors={noErrors} campaignId={c.id} />);
  });

  app.post<{ Params: { id: string } }>('/admin/campaigns/:id/edit', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const answer = await apiFor(inject, request, csrfOf(form))('PATCH', `/campaigns/${encodeURIComponent(request.params.id)}`, campaignBody(form, { editing: true }));
    if (answer.ok) return seeOther(reply, done(request.params.id, 'campaignSaved'));
    const errors = refusal(view, answer.problem);
    if (answer.problem.code === 'duplicate') errors.fields.slug = view.t('adminSettings.slugTaken');
    return sendPage(reply, <CampaignFormPage view={view} form={form} errors={errors} campaignId={request.params.id} />, answer.status);
  });

  app.post<{ Params: { id: string } }>('/admin/campaigns/:id/sections', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api('POST', `/campaigns/${encodeURIComponent(request.params.id)}/sections`, sectionBody(form, { editing: false }));
    if (answer.ok) return seeOther(reply, done(request.params.id, 'sectionAdded'));
    const errors = refusal(view, answer.problem);
    return sendPage(reply, <CampaignPage view={view} campaign={await campaignOf(api, request.params.id)} form={form} errors={errors} />, answer.status);
  });

  /** The section or task a form is about, from its plan (the API has no route for one alone). */
  async function partOf(request: FastifyRequest, id: string, find: (c: CampaignResponse) => { section: Section; task?: Task } | undefined) {
    const api = apiFor(inject, request);
    const [campaign, units] = await Promise.all([campaignOf(api, id), unitsOf(api)]);
    const found = find(campaign);
    if (!found) throw new Problem(404, 'not_found', 'No such part of the plan.');
    return { view: viewOf(request), campaign, units, ...found };
  }
  const sectionById = (sectionId: string) => (c: CampaignResponse) => {
    const section = c.sections.find((s) => s.id === sectionId);
    return section && { section };
  };
  const taskById = (taskId: string) => (c: CampaignResponse) => {
    for (const section of c.sections) {
      const task = section.tasks.find((t) => t.id === taskId);
      if (task) return { section, task };
    }
    return undefined;
  };

  type SectionParams = { Params: { id: string; sectionId: string } };
  app.get<SectionParams>('/admin/campaigns/:id/sections/:sectionId/edit', staffPage, async (request, reply) => {
    const { view, section } = await partOf(request, request.params.id, sectionById(request.params.sectionId));
    const form = { titleZh: section.titleZh, titleEn: section.titleEn ?? '', position: String(section.position) };
    return sendPage(reply, <SectionFormPage view={view} form={form} errors={noErrors} campaignId={request.params.id} sectionId={section.id} />);
  });

  app.post<SectionParams>('/admin/campaigns/:id/sections/:sectionId/edit', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const { id, sectionId } = request.params;
    const answer = await apiFor(inject, request, csrfOf(form))('PATCH', `/campaigns/${encodeURIComponent(id)}/sections/${encodeURIComponent(sectionId)}`, sectionBody(form, { editing: true }));
    if (answer.ok) return seeOther(reply, done(id, 'sectionSaved'));
    return sendPage(reply, <SectionFormPage view={view} form={form} errors={refusal(view, answer.problem)} campaignId={id} sectionId={sectionId} />, answer.status);
  });

  app.get<SectionParams>('/admin/campaigns/:id/sections/:sectionId/tasks/new', staffPage, async (request, reply) => {
    const { view, section, units } = await partOf(request, request.params.id, sectionById(request.params.sectionId));
    const sectionTitle = localized(view, section.titleZh, section.titleEn);
    return sendPage(reply, <TaskFormPage view={view} form={{}} errors={noErrors} units={units} campaignId={request.params.id} sectionId={section.id} sectionTitle={sectionTitle} />);
  });

  app.post<SectionParams>('/admin/campaigns/:id/sections/:sectionId/tasks/new', staffPage, async (request, reply) => {
    const form = formOf(request);
    const { id, sectionId } = request.params;
    const answer = await apiFor(inject, request, csrfOf(form))('POST', `/campaigns/${encodeURIComponent(id)}/sections/${encodeURIComponent(sectionId)}/tasks`, taskBody(form, { editing: false }));
    if (answer.ok) return seeOther(reply, done(id, 'taskAdded'));
    const errors = refusal(viewOf(request), answer.problem, { rename: renameLeadUnits });
    const { view, section, units } = await partOf(request, id, sectionById(sectionId));
    const sectionTitle = localized(view, section.titleZh, section.titleEn);
    return sendPage(reply, <TaskFormPage view={view} form={form} errors={errors} units={units} campaignId={id} sectionId={sectionId} sectionTitle={sectionTitle} />, answer.status);
  });

  type TaskParams = { Params: { id: string; taskId: string } };
  app.get<TaskParams>('/admin/campaigns/:id/tasks/:taskId/edit', staffPage, async (request, reply) => {
    const { view, section, task, units } = await partOf(request, request.params.id, taskById(request.params.taskId));
    const form = { titleZh: task!.titleZh, titleEn: task!.titleEn ?? '', descriptionZh: task!.descriptionZh ?? '', leadUnitIds: task!.leadUnits.map((u) => u.id), position: String(task!.position) };
    const sectionTitle = localized(view, section.titleZh, section.titleEn);
    return sendPage(reply, <TaskFormPage view={view} form={form} errors={noErrors} units={units} campaignId={request.params.id} taskId={task!.id} sectionTitle={sectionTitle} />);
  });

  app.post<TaskParams>('/admin/campaigns/:id/tasks/:taskId/edit', staffPage, async (request, reply) => {
    const form = formOf(request);
    const { id, taskId } = request.params;
    const answer = await apiFor(inject, request, csrfOf(form))('PATCH', `/campaigns/${encodeURIComponent(id)}/tasks/${encodeURIComponent(taskId)}`, taskBody(form, { editing: true }));
    if (answer.ok) return seeOther(reply, done(id, 'taskSaved'));
    const errors = refusal(viewOf(request), answer.problem, { rename: renameLeadUnits });
    const { view, section, units } = await partOf(request, id, taskById(taskId));
    const sectionTitle = localized(view, section.titleZh, section.titleEn);
    return sendPage(reply, <TaskFormPage view={view} form={form} errors={errors} units={units} campaignId={id} taskId={taskId} sectionTitle={sectionTitle} />, answer.status);
  });
};
