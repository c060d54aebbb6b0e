"""The model's processes, one file each, run in the order set in ``EmpowerModel.step``.

| file | class | what it does |
| --- | --- | --- |
| demography.py | Demography | entry, exit, pauses, ageing, deaths; holds group sizes |
| hiv.py | HIV | HIV infection, stages, survival, HIV death |
| sti.py | STIs | curable STIs: infection, treatment, clearance |
| legal.py | Legal | the legal regime in force and its six components |
| mobilisation.py | Mobilisation | community groups (Mesa agents): money, outreach, empowerment |
| violence.py | Violence | violence, arrest, condom confiscation, crisis response |
| clinics.py | Clinics | members' clinic visits: STI screening or presumptive treatment |
| partnerships.py | Partnerships | the week's contacts, acts and condom use |
| cascade.py | Cascade | HIV testing, ART, dropout, viral suppression |
| prep.py | Prep | PrEP uptake within funded slots, adherence, efficacy, discontinuation |
| transmission.py | Transmission | per-act HIV and STI transmission over the contacts |
| groups.py | (helpers) | output groups and counting by group |
"""
