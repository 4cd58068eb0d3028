-- FOCUS split cost allocation: the PricingCurrencyEffectiveCost of an origin charge's allocated charges adds up to the origin
-- charge's PricingCurrencyEffectiveCost (summable metric; FOCUS 1.3 and 1.4 Cost and Usage datasets, macros/focus_tests.sql).
{{ focus_assert_allocated_sum('PricingCurrencyEffectiveCost') }}
