/**
 * The consent text a resident agrees to when signing up. Its version is stored with each
 * registration; a new text gets a new version, and sign-ups must name the current one, so
 * nobody is held to a text they were not shown.
 */
export const CONSENT = {
  version: '2026-11',
  textZh: '我同意科普日历为本次活动报名、签到、提醒和统计的目的处理我提供的姓名和联系方式。活动结束180天后，个人信息将被匿名化；我可以随时通过管理链接取消报名并删除个人信息。',
  textEn: 'I agree that Kepu Calendar processes the name and contact details I give for signing up, check-in, reminders and the year\'s figures of this activity. Personal data is anonymised 180 days after the activity ends; I can cancel and erase it at any time through my manage link.',
  /**
   * Separate and optional (PIPL art. 23: handing personal data to another handler needs its
   * own consent): the organizing unit's own systems receive the registration by webhook.
   */
  transfer: {
    version: '2026-11-t',
    textZh: '（可选）我同意将本次报名信息（姓名、联系方式、人数及所答问题）传送给主办单位自有的报名系统，用于组织本次活动。不同意也可以报名。',
    textEn: '(Optional) I agree that this registration (name, contact details, headcount and answers) is passed to the organizing unit\'s own registration system, to organize this activity. You can sign up without agreeing.',
  },
} as const;
