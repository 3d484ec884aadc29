import type { SeedCampaign } from './types.js';

/**
 * The 2024 plan, from /work/shared/seed/000_f2f9f710f433b6da.txt (附件1 2024年密云区科普工作要点).
 * Sections and tasks keep the text's order; `descriptionZh` is the first sentence or two of
 * each task's text, verbatim.
 *
 * Lead units come from each task's 责任单位 line. The catch-all phrases are NOT expanded
 * (the importer does not expand them either), but they are there in the text:
 *   - "…区科协及其他成员单位" (and other member units): most tasks;
 *   - "各成员单位" (all member units): tasks 三(二), 六(一), 六(二), 六(三);
 *   - "各镇（街道）（地区）" (every town, subdistrict and area): every task except 一(五), 四(三), 四(五).
 * So 三(二) and 六(一), whose lines hold only catch-all phrases, have no lead units here.
 * The plan writes 区卫生健康委 (一(四)) for 区卫健委 and 区人保局 (四(五)) for 区人力社保局.
 * Section 五 has no numbered tasks; its text and 责任单位 line are seeded as one task.
 */
export const seedCampaign2024: SeedCampaign = {
  slug: 'miyun-2024',
  year: 2024,
  titleZh: '2024年密云区科普工作要点',
  titleEn: 'Miyun District Science Popularisation Work Plan 2024',
  descriptionZh:
    '围绕“科教兴国”“人才强国”“创新驱动发展”战略和区委、区政府重点工作制定的2024年密云区科普工作要点：'
    + '加强科普能力建设，推动科普与产业融合，做优科普品牌活动，提升五大人群科学素质，保水保生态，强化科普统筹管理。',
  descriptionEn:
    "Miyun District's 2024 science popularisation plan: build capacity, merge outreach with industry, run flagship "
    + 'and themed-day events, raise the science literacy of the five key groups, protect the reservoir and the ecology, '
    + 'and strengthen management.',
  sections: [
    {
      titleZh: '加强科普能力建设，促进科普高质量发展',
      titleEn: 'Build science popularisation capacity for high-quality development',
      tasks: [
        {
          key: 'tech-resources',
          titleZh: '促进科技创新资源科普化',
          titleEn: 'Turn S&T innovation resources into outreach',
          descriptionZh:
            '聚焦怀柔科学城东区建设，促进科技创新和科学普及协同发展。继续加大对科学城东区“1+5”科学设施和北京大学怀密医学中心项目的宣传，'
            + '将关键技术和前沿科学知识科普化，开展多元化、多角度、形式多样的科普宣传活动，提高公众对于科技前沿的认知水平。',
          // 区委宣传部、区科委、区教委、区经信局、区融媒体中心、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: ['district-publicity', 'district-science-commission', 'district-education', 'district-economy-it', 'district-media-centre', 'district-cast'],
        },
        {
          key: 'venue-network',
          titleZh: '构建现代化科普场馆体系建设',
          titleEn: 'Build a modern network of science venues',
          descriptionZh:
            '落实《密云区科普基地管理办法（试行）》，培育市级科普基地，认定区级科普基地，加强特色科普基地建设，完善区域科普基础设施建设，'
            + '进一步提升科普场馆服务能力。强化以区科技馆为核心、基层科普基地为节点的科普网络建设，引导科普基地通过信息共享、合作共赢，'
            + '形成联动机制，创新科普内容与形式，不断提升科普服务能力和成效。',
          // 区委宣传部、区科委、区教委、区卫健委、区文旅局、区融媒体中心、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: ['district-publicity', 'district-science-commission', 'district-education', 'district-health', 'district-culture-tourism', 'district-media-centre', 'district-cast'],
        },
        {
          key: 'content-supply',
          titleZh: '加大科普产品供给力度',
          titleEn: 'Increase the supply of science popularisation content',
          descriptionZh:
            '鼓励开发或购置丰富多样、互动体验性强的科普展品。激发科研人员参与科普工作的积极性，'
            + '支持科技工作者通过撰写科普文章、举办科普讲座、参与科普活动等多种形式开展科普工作。',
          // 区委宣传部、区科委、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: ['district-publicity', 'district-science-commission', 'district-cast'],
        },
        {
          key: 'emergency-outreach',
          titleZh: '开展应急科普活动与宣传',
          titleEn: 'Emergency-preparedness outreach',
          descriptionZh:
            '在日常科普中融入应急理念和知识，围绕防灾减灾、安全生产、生命健康，针对环境污染、重大灾害、气候变化、食品安全、传染病、'
            + '重大公共安全等群众关注的社会热点问题和突发事件，做好地区突发事件应急科普工作。',
          // 区生态环境局、区城管委、区卫生健康委、区科委、区气象局、区地震局、区商务局、区科协、各镇（街道）（地区）
          leadUnitSlugs: [
            'district-ecology-environment', 'district-city-management', 'district-health', 'district-science-commission',
            'district-meteorology', 'district-earthquake', 'district-commerce', 'district-cast',
          ],
        },
        {
          key: 'after-school-providers',
          titleZh: '促进科技类校外培训机构良性发展',
          titleEn: 'Healthy development of S&T after-school training providers',
          descriptionZh:
            '规范科技类校外培训示范合同文本，按照《北京市科技类校外培训机构设置标准（试行）》等规范性文件，做好科技类校外培训机构的日常监管工作，'
            + '通过行业组织自律，引导机构有序发展，成为中小学课后科技教育的重要社会力量。',
          // 区教委、区科委、区市监局、鼓楼街道、果园街道、密云镇
          leadUnitSlugs: ['district-education', 'district-science-commission', 'district-market-supervision', 'gulou-subdistrict', 'guoyuan-subdistrict', 'miyun-town'],
        },
      ],
    },
    {
      titleZh: '推动科普与产业融合，促进“+科普”业态提升',
      titleEn: 'Merge outreach with industry: the "+ science popularisation" model',
      tasks: [
        {
          key: 'culture-tourism',
          titleZh: '促进科普与文旅融合',
          titleEn: 'Merge outreach with culture and tourism',
          descriptionZh:
            '积极推进特色文化旅游休闲示范区建设，推动科技赋能文旅行业高质量发展，加强红色文化、长城文化、水库文化、农耕文化等特色文化的挖掘、保护和利用，'
            + '发展研学旅行、露营经济、星空经济等新业态，推动文旅体农学深度融合。',
          // 区文旅局、区科委、区教委、区农业农村局、区园林绿化局、区经信局、区商务局、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: [
            'district-culture-tourism', 'district-science-commission', 'district-education', 'district-agriculture',
            'district-landscaping', 'district-economy-it', 'district-commerce', 'district-cast',
          ],
        },
        {
          key: 'agriculture',
          titleZh: '促进科普与农业融合',
          titleEn: 'Merge outreach with agriculture',
          descriptionZh:
            '坚持农业农村优先发展，深化国家乡村振兴示范区、国家农业现代化示范区创建，通过科普基地建设，推动科普与农业融合，助力做好“土特产”文章，'
            + '围绕“水库鱼、特色蜜、环湖粮、山区果、平原菜”产业布局，持续加强“密云水库鱼”“密云八珍”等特色品牌和西红柿特色产业科普宣传。',
          // 区农业农村局、区科委、区教委、区文旅局、区园林绿化局、区商务局、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: [
            'district-agriculture', 'district-science-commission', 'district-education', 'district-culture-tourism',
            'district-landscaping', 'district-commerce', 'district-cast',
          ],
        },
        {
          key: 'school-education',
          titleZh: '加强科普与学校教育深度融合',
          titleEn: 'Integrate outreach with school education',
          descriptionZh:
            '利用好优质科普资源，通过推动科普基地纳入校外社会大课堂等模式，组织开展各类丰富的科学教育活动，支持优秀的科普工作者和科普基地，参与学校课后服务。'
            + '加强课程研发与课程体系的建立、教辅管理团队的建设、活动品牌力的宣传与推广，开展科技体验课、科技节等活动。',
          // 区教委、团区委、区科委、区科协、各镇（街道）（地区）
          leadUnitSlugs: ['district-education', 'district-youth-league', 'district-science-commission', 'district-cast'],
        },
      ],
    },
    {
      titleZh: '持续做优科普品牌活动，带动公众积极参与科普宣传',
      titleEn: 'Flagship events that draw the public into science popularisation',
      tasks: [
        {
          key: 'flagship-events',
          titleZh: '发挥大型科普活动示范辐射作用',
          titleEn: 'Flagship events: S&T Week, Science Popularisation Day, Student S&T Festival, three to the countryside',
          descriptionZh:
            '举办2024年科技活动周、科普日、学生科技节和文化科技卫生三下乡等重大科普活动，做强密云科普品牌，发挥大型活动的示范带动作用，'
            + '带动公众积极参与科普宣传，推动科技创新成果和科学普及活动惠及于民。',
          // 区委宣传部、区科委、区教委、区卫健委、区经信局、区融媒体中心、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: [
            'district-publicity', 'district-science-commission', 'district-education', 'district-health',
            'district-economy-it', 'district-media-centre', 'district-cast',
          ],
        },
        {
          key: 'themed-day-events',
          titleZh: '大力开展特色科普活动',
          titleEn: 'Themed-day science events',
          descriptionZh:
            '围绕经济社会发展和人民群众关切，充分发挥区政府各部门、镇（街道）（地区）的组织优势，结合地球日、环境日、海洋日、气象日和国际博物馆日等纪念日'
            + '及文化和自然遗产日、全民国家安全教育日、全民营养周、航天日、防灾减灾日、节能减排周、安全生产月、节水宣传周、社会科学普及周、'
            + '中华人民共和国宪法宣传周、知识产权日等，开展形式多样、各具特色的主题科普活动。',
          // 各成员单位、各镇（街道）（地区）: catch-all phrases only.
          leadUnitSlugs: [],
        },
      ],
    },
    {
      titleZh: '突出重点，提升五大人群科学素质',
      titleEn: 'Raise the science literacy of the five key groups',
      tasks: [
        {
          key: 'youth-literacy',
          titleZh: '提升青少年科学素质',
          titleEn: 'Science literacy of young people',
          descriptionZh:
            '积极组织参加第42届北京学生科技节、第十六届北京市中小学生科学建议奖评选、全国青少年高校科学营北京营、全国中小学生科学调查体验、'
            + '第四十三届北京青少年科技创新大赛、第六届科学传播大赛等科学实践活动，举办密云区学生科技节，注重学生创新思维和科学精神的培养，'
            + '激发青少年对创造创新的热情，提升青少年学生的科学素养。',
          // 区教委、区科委、团区委、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: ['district-education', 'district-science-commission', 'district-youth-league', 'district-cast'],
        },
        {
          key: 'farmer-literacy',
          titleZh: '提升农民科学素质',
          titleEn: 'Science literacy of farmers',
          descriptionZh: '以现代农业技术和农业文化为基础，开展各类农业科普活动。围绕生态农业、设施农业、林下经济等主题，开展农民实用技术培训。',
          // 区委宣传部、区科委、区农业农村局、区园林绿化局、区科协、区妇联、各镇（街道）（地区）
          leadUnitSlugs: [
            'district-publicity', 'district-science-commission', 'district-agriculture', 'district-landscaping',
            'district-cast', 'district-womens-federation',
          ],
        },
        {
          key: 'worker-literacy',
          titleZh: '提升产业工人科学素质',
          titleEn: 'Science literacy of industrial workers',
          descriptionZh:
            '组织参加第八届全国职工职业技能大赛、北京市第六届职业技能大赛。弘扬工匠精神，聚焦职工技能提升，开展专业技能培训，'
            + '切实提高一线职工的操作技能和综合素质，广泛开展安全生产、防灾减灾、应急管理等知识培训，加强劳动者科学素质提升。',
          // 区人力社保局、区总工会、区妇联
          leadUnitSlugs: ['district-human-resources', 'district-trade-unions', 'district-womens-federation'],
        },
        {
          key: 'elderly-literacy',
          titleZh: '提升老年人科学素质',
          titleEn: 'Science literacy of older people',
          descriptionZh:
            '深入开展人口老龄化国情市情教育，创新教育形式，丰富教育内容，贴合老年人需求，提供更多人性化、智能化、便利化科普适老产品和服务。'
            + '结合实际采用多种形式灵活开展老年人活动，针对老年人突发事件应急响应服务保障、办事等应用场景，服务老年人科普需求。',
          // 区卫健委、区科委、区科协、各镇（街道）（地区）
          leadUnitSlugs: ['district-health', 'district-science-commission', 'district-cast'],
        },
        {
          key: 'official-literacy',
          titleZh: '提升领导干部和公务员科学素质',
          titleEn: 'Science literacy of officials and civil servants',
          descriptionZh:
            '持续加大干部和公务员科学素质教育培训力度。进一步强化领导干部和公务员对科教兴国、创新驱动等国家发展战略的认识，'
            + '加强前沿科技知识和全球科技发展趋势学习，突出科学精神、科学思想培养，增强领导干部和公务员把握科学发展规律的能力。',
          // 区委组织部、区人保局（= 区人力社保局）、区科协
          leadUnitSlugs: ['district-organization', 'district-human-resources', 'district-cast'],
        },
      ],
    },
    {
      titleZh: '保水保生态，科普助力筑牢生态屏障',
      titleEn: 'Protect the reservoir and the ecology through science popularisation',
      tasks: [
        {
          // The section has no numbered tasks: its whole text is this one task.
          key: 'reservoir-ecology',
          titleZh: '保水保生态，科普助力筑牢生态屏障',
          titleEn: 'Protect the reservoir and the ecology through science popularisation',
          descriptionZh:
            '全面落实习近平总书记给建设和守护密云水库的乡亲们的重要回信精神，以更高标准守护好密云水库。坚定不移把保水护水作为首要政治责任，'
            + '严格落实“保安全、多蓄水”要求，不断完善“5+2”保水体系，织密织牢保水护水“防护网”，持续确保密云水库绝对安全。',
          // 区委宣传部、团区委、区生态环境局、区水务局、区城管委、区园林绿化局、区文旅局、区融媒体中心、区科委、区发展改革委、区科协及其他成员单位、各镇（街道）（地区）
          leadUnitSlugs: [
            'district-publicity', 'district-youth-league', 'district-ecology-environment', 'district-water',
            'district-city-management', 'district-landscaping', 'district-culture-tourism', 'district-media-centre',
            'district-science-commission', 'district-development-reform', 'district-cast',
          ],
        },
      ],
    },
    {
      titleZh: '强化科普统筹管理，加强组织领导和政策落实',
      titleEn: 'Management: organisation, leadership and policy implementation',
      tasks: [
        {
          key: 'policy-implementation',
          titleZh: '认真落实科普政策',
          titleEn: 'Implement science popularisation policy',
          descriptionZh:
            '按照《关于新时代进一步加强科学技术普及工作的意见》《北京市“十四五”时期科学技术普及发展规划》和《北京市全民科学素质行动规划纲要 (2021-2035年)》精神，'
            + '强化区级科普工作联席会议“总体设计、统筹协调、整体推进、督促落实”的科普管理职能，将科普工作纳入本部门、本区域工作计划。',
          // 各成员单位、各镇（街道）（地区）: catch-all phrases only.
          leadUnitSlugs: [],
        },
        {
          key: 'funding',
          titleZh: '保障科普经费投入',
          titleEn: 'Secure funding, with performance evaluation',
          descriptionZh:
            '充分发挥政府资金引导作用，加大对科普的政策扶持、条件支持和经费投入，助力科普事业发展，增强创新发展动力。'
            + '对科普经费使用情况进行绩效考评，确保专款专用，增强科普经费使用效能。',
          // 区财政局、各成员单位、各镇（街道）（地区）
          leadUnitSlugs: ['district-finance'],
        },
        {
          key: 'workforce',
          titleZh: '强化科普队伍建设',
          titleEn: 'Build science popularisation staff and volunteer teams',
          descriptionZh:
            '开展科普专兼职人员业务能力培训，提高科普专兼职人员的科学素养水平和科学传播能力。加强科技教师队伍建设，提升科技教师专业能力。',
          // 团区委、区科委、区教委、区科协、各成员单位、各镇（街道）（地区）
          leadUnitSlugs: ['district-youth-league', 'district-science-commission', 'district-education', 'district-cast'],
        },
      ],
    },
  ],
};
