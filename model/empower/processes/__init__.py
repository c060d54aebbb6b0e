"""The model's processes, one file each, run in the order set in ``EmpowerModel.step``.

| file | class | what it does |
| --- | --- | --- |
| demography.py | Demography | entry, exit, pauses, ageing, deaths; holds group sizes |
| partnerships.py | Partnerships | the week's contacts, acts and condom use |
| hiv.py | HIV | HIV infection, stages, survival, HIV death |
| sti.py | STIs | curable STIs: infection, treatment, clearance |
| transmission.py | Transmission | per-act HIV and STI transmission over the contacts |
| groups.py | (helpers) | output groups and counting by group |
"""
