-- Every metric of docs/metrics.md: its kind (ratio: numerator/denominator;
-- count: denominator NULL; median: computed afresh per unit, never summed),
-- its family, and the Chinese title the workbooks show. The order is the
-- order of columns in the workbooks.
CREATE OR REPLACE TABLE metric_catalog AS
SELECT * FROM (VALUES
    (1,  'reporting_rate',             'ratio',  'reporting',    '报送率'),
    (2,  'timely_rate',                'ratio',  'reporting',    '及时率'),
    (3,  'coverage_all',               'ratio',  'coverage',     '党组织覆盖率'),
    (4,  'coverage_residential',       'ratio',  'coverage',     '居民小区覆盖率'),
    (5,  'coverage_enterprise',        'ratio',  'coverage',     '两新组织覆盖率'),
    (6,  'coverage_cooperative',       'ratio',  'coverage',     '合作社覆盖率'),
    (7,  'coverage_family_farm',       'ratio',  'coverage',     '家庭农场覆盖率'),
    (8,  'orgs_standalone',            'count',  'coverage',     '单独组建党组织数'),
    (9,  'orgs_joint',                 'count',  'coverage',     '联合组建党组织数'),
    (10, 'council_coverage',           'ratio',  'cover',        '党群理事会覆盖率'),
    (11, 'group_coverage',             'ratio',  'cover',        '议事小组覆盖率'),
    (12, 'one_shoulder_rate',          'ratio',  'cover',        '书记一肩挑比例'),
    (13, 'deliberation_followup_rate', 'ratio',  'deliberation', '议事落实率'),
    (14, 'requests_total',             'count',  'requests',     '点单总数'),
    (15, 'requests_unaccepted',        'count',  'requests',     '未受理数'),
    (16, 'resolution_rate',            'ratio',  'requests',     '办结率'),
    (17, 'ontime_rate',                'ratio',  'requests',     '按期办结率'),
    (18, 'rating_rate',                'ratio',  'requests',     '评单率'),
    (19, 'satisfaction_rate',          'ratio',  'requests',     '满意率'),
    (20, 'mediation_success_rate',     'ratio',  'requests',     '调处成功率'),
    (21, 'days_to_resolve_median',     'median', 'requests',     '办结天数中位数')
) AS t(ord, metric, kind, family, title);
