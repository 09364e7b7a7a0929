"""The authoring tool: authors build their organization's micromasteries in the admin.

Every write goes through ``courses.services``; the admin only shows what the services
allow (a published version is read-only here because the services refuse to change it).
"""

from courses.admin import micromasteries, paths, topics, versions

__all__ = ["micromasteries", "paths", "topics", "versions"]
