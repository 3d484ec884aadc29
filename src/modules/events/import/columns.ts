/**
 * The columns of the events spreadsheet. Headers are Chinese (what the district's staff
 * type and read); English aliases are accepted for files made by scripts. One row is one
 * session; rows sharing 活动编号 are one event, so the event's own columns are given on its
 * first row and left blank (or repeated unchanged) on the others.
 */
export const COLUMN_KEYS = [
  'group', 'titleZh', 'titleEn', 'type', 'ownerUnit', 'coUnits', 'observance', 'task', 'venue',
  'audiences', 'registrationMode', 'capacity', 'startsAt', 'endsAt', 'descriptionZh',
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

type Column = { header: string; aliases: string[]; required: boolean; perSession: boolean; help: string; example: (string | null)[] };

export const COLUMNS: Record<ColumnKey, Column> = {
  group: { header: '活动编号', aliases: ['group', 'event no', 'event key', 'key'], required: true, perSession: true,
    help: '必填。同一活动的各场次填写相同的编号（如 1、2、A01），每行是一个场次；活动的其他信息只需在第一行填写，后续行可留空或填写相同内容。', example: ['1', '1'] },
  titleZh: { header: '活动名称', aliases: ['title', 'title zh', 'titlezh'], required: true, perSession: false, help: '必填，最多 200 字。', example: ['科普讲座（示例）', null] },
  titleEn: { header: '英文名称', aliases: ['title en', 'titleen', 'english title'], required: false, perSession: false, help: '选填，最多 200 字。', example: ['Science lecture (example)', null] },
  type: { header: '活动类型', aliases: ['type', 'event type'], required: true, perSession: false, help: '必填，填写下列类型之一（中文名称或英文代码）。', example: [null, null] },
  ownerUnit: { header: '主办单位', aliases: ['owner', 'owner unit', 'ownerunit', 'organizer'], required: true, perSession: false,
    help: '必填，单位的中文名称或英文标识；只能填写您所属的单位（管理员可填任何单位）。', example: [null, null] },
  coUnits: { header: '协办单位', aliases: ['co units', 'counits', 'co organizers'], required: false, perSession: false, help: '选填，可填多个，用顿号、逗号或分号分隔；不能与主办单位相同。', example: [null, null] },
  observance: { header: '主题日', aliases: ['observance', 'themed day'], required: false, perSession: false, help: '选填，主题日的中文名称或英文标识。', example: [null, null] },
  task: { header: '工作任务', aliases: ['task', 'plan task'], required: false, perSession: false,
    help: '选填，年度工作要点中的任务：任务的中文标题（导入时指定了工作要点，或标题在所有工作要点中唯一）或任务编号（UUID）。', example: [null, null] },
  venue: { header: '场地', aliases: ['venue'], required: false, perSession: false, help: '选填，场地的中文名称或英文标识；同一时间已被占用的独占场地会报错。', example: [null, null] },
  audiences: { header: '受众', aliases: ['audiences', 'audience'], required: false, perSession: false, help: '选填，可填多个，用顿号、逗号或分号分隔。', example: [null, null] },
  registrationMode: { header: '报名方式', aliases: ['registration', 'registration mode', 'registrationmode'], required: false, perSession: false,
    help: '选填，默认“不需报名”。可填：不需报名、个人、班级、个人和班级（或 none、individual、class、both）。', example: ['个人', null] },
  capacity: { header: '容量', aliases: ['capacity', 'seats'], required: false, perSession: true, help: '选填，该场次的名额（0 至 1000000 的整数）；留空则按场地容量或不限。', example: ['50', '50'] },
  startsAt: { header: '开始时间', aliases: ['starts at', 'startsat', 'start', 'start time'], required: true, perSession: true,
    help: '必填，格式 YYYY-MM-DD HH:mm（北京时间），也可以是 Excel 的日期时间单元格。', example: [null, null] },
  endsAt: { header: '结束时间', aliases: ['ends at', 'endsat', 'end', 'end time'], required: true, perSession: true, help: '必填，格式同开始时间，须晚于开始时间。', example: [null, null] },
  descriptionZh: { header: '简介', aliases: ['description', 'description zh', 'descriptionzh', 'summary'], required: false, perSession: false, help: '选填，最多 20000 字。', example: ['邀请专家讲解科学知识，欢迎亲子家庭参加。', null] },
};

export const headerOf = (key: ColumnKey) => COLUMNS[key].header;

const normalise = (header: string) => header.replace(/^\uFEFF/, '').replace(/[*＊]|[（(]\s*(必填|选填|required|optional)\s*[）)]/gi, '').replace(/[\s_-]+/g, ' ').trim().toLowerCase();

const BY_HEADER = new Map<string, ColumnKey>(COLUMN_KEYS.flatMap((key) => [
  [normalise(COLUMNS[key].header), key] as const,
  ...COLUMNS[key].aliases.map((alias) => [normalise(alias), key] as const),
]));

/** The column a header names, ignoring case, spacing and a 必填/required mark. */
export const columnOfHeader = (header: string): ColumnKey | undefined => BY_HEADER.get(normalise(header));

/** Lists in one cell: 、 , ; ， ； and line breaks all separate. */
export const splitList = (text: string) => text.split(/[、,;，；\n]+/).map((s) => s.trim()).filter(Boolean);

/** Registration modes by the words the brief and the form use, besides their codes. */
export const MODE_WORDS: Record<string, 'none' | 'individual' | 'class' | 'both'> = {
  不需报名: 'none', 无需报名: 'none', 不需要报名: 'none', 个人: 'individual', 个人报名: 'individual',
  班级: 'class', 学校班级报名: 'class', 班级报名: 'class', 个人和班级: 'both', 个人和班级均可报名: 'both',
};
export const MODE_TEMPLATE_WORDS = ['不需报名', '个人', '班级', '个人和班级'];
