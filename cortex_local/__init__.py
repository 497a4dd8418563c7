"""cortex_local: an embedded Snowflake + Cortex emulator reached only through snowflake-connector-python.

The provider library (cortex_provider) never imports this package; it talks to it over the
connector's wire protocol exactly as it talks to Snowflake.
"""
