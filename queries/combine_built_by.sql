-- What built a warehouse: 'combine', or NULL for a warehouse of forms.
SELECT max(value) FROM meta WHERE key = 'built_by';
