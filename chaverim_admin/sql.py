"""Raw SQL of the composition root: the demo data."""

# Demo events: `count` detections spread evenly over [start, end), plates drawn from a skewed pool so that
# some plates are seen often (as in real traffic), collectors drawn uniformly.
DEMO_EVENTS_INSERT = """
    WITH collectors AS (SELECT array_agg(id ORDER BY site_name) AS ids FROM collectors)
    INSERT INTO events (collector_id, plate_number, captured_at)
    SELECT collectors.ids[1 + floor(random() * array_length(collectors.ids, 1))::int],
           'DEMO' || lpad(floor(power(random(), 3) * %(plates)s)::int::text, 4, '0'),
           %(start)s::timestamptz + (%(end)s::timestamptz - %(start)s::timestamptz) * (n::float8 / %(count)s)
      FROM generate_series(0, %(count)s - 1) AS n, collectors
"""

DEMO_EVENTS_EXIST = "SELECT EXISTS (SELECT 1 FROM events)"
