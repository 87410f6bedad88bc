-- Set every country's continent from the seed (only rows whose continent changes).
UPDATE warehouse.dim_country d
SET continent_code = cc.continent_code, continent = cc.continent
FROM warehouse.country_continent cc
WHERE cc.iso_3166_1 = d.iso_3166_1
  AND (d.continent_code IS DISTINCT FROM cc.continent_code
       OR d.continent IS DISTINCT FROM cc.continent)
