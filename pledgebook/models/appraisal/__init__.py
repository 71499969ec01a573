"""The third ledger, 奖诺: 民主评议党员 (member appraisals and 组织处置), 星级评定 (授旗评星) and 评选表彰.

Per year, like the pledges: a closed year's appraisals, stars and honours are read-only; an open 处置 is
carried into the next year's work. Tables in :mod:`pledgebook.models.store.tables` (migration 9).
"""
