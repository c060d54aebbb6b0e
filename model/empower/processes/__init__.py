"""The model's processes, one folder each; their order in the week is ``empower.phases``.

Each folder holds ``process.py`` (a :class:`empower.core.process.Process`: its
declarations, steps and reporters), its numba kernels in ``kernels.py`` where it has
any, and a README made from its declarations (``python -m empower.process_docs``).
Kernels that several processes share are in :mod:`empower.core`.

| folder | class | what it does |
| --- | --- | --- |
| demography | Demography | entry, exit, pauses, ageing, deaths; holds group sizes |
| hiv | HIV | HIV infection, stages, survival, HIV death |
| stis | STIs | curable STIs: infection, treatment, clearance |
| legal | Legal | the legal regime in force and its six components |
| mobilisation | Mobilisation | community groups (Mesa agents): money, outreach, empowerment |
| violence | Violence | violence, arrest, condom confiscation, crisis response |
| clinics | Clinics | members' clinic visits: STI screening or presumptive treatment |
| partnerships | Partnerships | the week's contacts, acts and condom use |
| cascade | Cascade | HIV testing, ART, dropout, viral suppression |
| prep | Prep | PrEP uptake within funded slots, adherence, efficacy, discontinuation |
| transmission | Transmission | per-act HIV and STI transmission over the contacts |
"""
