"""Demo content for the traded CPD website: strands, courses, snippets and pages.

Long because it is the whole programme's copy (36 courses, news, pages); there is no logic here.

Pure data with no Django imports, so that it can be loaded by a management command, a test
fixture or a benchmark. Every person, school, venue and postcode here is fictional; email
addresses use the reserved example.gov.uk domain.

Money and CPD hours are decimal strings (``Decimal("95.00")``), never floats. A price of
"0.00" marks a free course. Course ``strand``, ``audiences`` and ``phases`` refer to the slugs
defined in ``STRANDS``, ``AUDIENCES`` and ``PHASES`` below.
"""

# The five strands of the programme, in display order.
STRANDS = [
    {
        "slug": "teaching-and-learning",
        "title": "Improving teaching and learning",
        "colour": "blue",
        "strapline": (
            "Practical, evidence-informed CPD for classroom teachers, early career teachers "
            "and teaching assistants, from phonics to adaptive teaching."
        ),
        "intro": (
            "Courses in this strand focus on what happens in the classroom: how pupils "
            "learn, how teachers explain, question and give feedback, and how the curriculum "
            "is taught well in each subject. Sessions draw on EEF guidance reports and on "
            "what our advisers see working in local schools. Most courses include gap tasks "
            "so that colleagues try an approach in their own classroom and bring back what "
            "happened."
        ),
    },
    {
        "slug": "leadership",
        "title": "Developing leadership",
        "colour": "purple",
        "strapline": (
            "Programmes and briefings for middle leaders, senior leaders, headteachers and "
            "governors at every stage of their leadership."
        ),
        "intro": (
            "Leadership courses run from a first subject leader role through to the early "
            "years of headship, with separate sessions for governors and for mentors of "
            "early career teachers. Multi-session programmes are spread across a term so "
            "that participants can lead a small improvement project in their own school "
            "between sessions. Facilitators are serving or recent school leaders and "
            "experienced school improvement advisers."
        ),
    },
    {
        "slug": "using-data",
        "title": "Using data",
        "colour": "teal",
        "strapline": (
            "Make assessment manageable and data useful: from EYFS profile and KS2 "
            "moderation to FFT, Analyse School Performance and attendance."
        ),
        "intro": (
            "This strand helps schools collect less data and use it better. Courses cover "
            "the design of assessment systems, statutory assessment and moderation, reading "
            "performance tables and the DfE and FFT data products, and turning attendance "
            "information into action. There are sessions for data and assessment leads, for "
            "senior leaders and for governors who need to ask the right questions."
        ),
    },
    {
        "slug": "inclusion",
        "title": "Building capacity for inclusion",
        "colour": "berry",
        "strapline": (
            "SEND, safeguarding and disadvantage: training for SENCOs, DSLs, teachers and "
            "teaching assistants so that every pupil can learn well."
        ),
        "intro": (
            "Inclusion courses are planned with the council's SEND and inclusion teams, so "
            "the content reflects local processes for EHC needs assessments, graduated "
            "response and early help. The termly SENCO network is free to all schools in the "
            "borough. Training for teaching assistants is deliberately practical and runs "
            "after school so that TAs can attend without cover."
        ),
    },
    {
        "slug": "inspection",
        "title": "Preparing for inspection",
        "colour": "rust",
        "strapline": (
            "Understand the renewed Ofsted framework and report cards, sharpen "
            "self-evaluation and prepare leaders, subject leaders and governors."
        ),
        "intro": (
            "These courses explain what the renewed Ofsted education inspection framework "
            "means for your school, without scaremongering or off-the-shelf scripts. "
            "Sessions cover the evaluation areas and toolkits, curriculum conversations with "
            "subject leaders, early years, inclusion and the part governors play. The "
            "emphasis throughout is on accurate self-evaluation that serves the school first "
            "and inspection second."
        ),
    },
]

# (slug, name)
AUDIENCES = [
    ("teachers", "Classroom teachers"),
    ("ects", "Early career teachers"),
    ("teaching-assistants", "Teaching assistants"),
    ("middle-leaders", "Middle leaders"),
    ("senior-leaders", "Senior leaders"),
    ("headteachers", "Headteachers"),
    ("sencos", "SENCOs"),
    ("governors", "Governors"),
    ("data-leads", "Data and assessment leads"),
    ("dsl", "Designated safeguarding leads"),
]

# (slug, name, sort_order)
PHASES = [
    ("early-years", "Early years", 10),
    ("primary", "Primary", 20),
    ("secondary", "Secondary", 30),
    ("special", "Special", 40),
    ("all-phases", "All phases", 50),
]

# Fictional council venues in the fictional borough of Haverleigh.
VENUES = [
    {
        "name": "Haverleigh Professional Development Centre",
        "address": "Unit 4, Riverside Business Park, Mill Lane",
        "town": "Haverleigh",
        "postcode": "HV2 4RD",
        "access_notes": (
            "Free on-site parking with four accessible bays beside the main entrance. "
            "Step-free access throughout, lift to the first-floor training rooms and a "
            "hearing loop in the Wensley Suite. Ten minutes' walk from Haverleigh station. "
            "Refreshments are provided; tell us about dietary needs when you book."
        ),
    },
    {
        "name": "Brackwell Teachers' Centre",
        "address": "Old Grammar School Building, Church Street",
        "town": "Brackwell",
        "postcode": "HV7 1JB",
        "access_notes": (
            "Limited parking behind the building; the Church Street pay and display car park "
            "is two minutes away. Ramped entrance from the side courtyard. Ground-floor "
            "rooms only; accessible toilet next to reception. Bus routes 12 and 36 stop "
            "outside."
        ),
    },
    {
        "name": "Thornmere Civic Hall",
        "address": "Council Chamber Suite, Market Square",
        "town": "Thornmere",
        "postcode": "HV9 3AQ",
        "access_notes": (
            "Enter by the Market Square doors and sign in at the civic reception desk. Lift "
            "to the Council Chamber Suite on the first floor. Blue Badge parking in Market "
            "Square; general parking at Thornmere Leisure Centre (free after 3pm). Portable "
            "hearing loop available on request."
        ),
    },
    {
        "name": "Ashcombe Vale School Conference Room",
        "address": "Ashcombe Vale School, Fenwick Road",
        "town": "Haverleigh",
        "postcode": "HV4 6NW",
        "access_notes": (
            "Use the visitors' car park off Fenwick Road and sign in at main reception, "
            "where you will be given a visitor lanyard to wear at all times. The conference "
            "room is on the ground floor with level access. Twilight sessions start after "
            "the end of the school day, when the car park is clear of parents."
        ),
    },
]

FACILITATORS = [
    {
        "name": "Ruth Calloway",
        "role": "Lead adviser, teaching and learning",
        "bio": (
            "Ruth taught in primary schools for fourteen years, latterly as deputy "
            "headteacher, before joining the school improvement service. She leads the "
            "teaching and learning strand and works with schools on adaptive teaching, "
            "metacognition and feedback. She is an accredited facilitator for the early "
            "career framework."
        ),
        "email": "ruth.calloway@example.gov.uk",
    },
    {
        "name": "Daniel Okafor",
        "role": "Senior school improvement adviser, leadership",
        "bio": (
            "Daniel was headteacher of two secondary schools, one of which moved out of "
            "special measures during his headship. He leads the middle and senior leadership "
            "programmes and supports new headteachers in their first two years in post."
        ),
        "email": "daniel.okafor@example.gov.uk",
    },
    {
        "name": "Priya Raman",
        "role": "Data and performance manager",
        "bio": (
            "Priya manages the council's school performance data team and produces the "
            "annual local results analysis for headteachers and governors. She trains data "
            "leads on FFT Aspire, Analyse School Performance and the inspection data summary "
            "report, and is a former secondary maths teacher."
        ),
        "email": "priya.raman@example.gov.uk",
    },
    {
        "name": "Sarah Whitfield",
        "role": "Inclusion and SEND adviser",
        "bio": (
            "Sarah was a SENCO in a large primary school and then in an all-through special "
            "school. She chairs the termly SENCO network, delivers SENCO induction and works "
            "closely with the council's SEND casework team on EHC needs assessments and "
            "annual reviews."
        ),
        "email": "sarah.whitfield@example.gov.uk",
    },
    {
        "name": "Tom Brereton",
        "role": "Early reading and English consultant",
        "bio": (
            "Tom has trained reading leaders and teaching assistants in systematic synthetic "
            "phonics for over ten years. He leads the local KS2 writing moderation team and "
            "supports schools whose phonics screening check outcomes are below national."
        ),
        "email": "tom.brereton@example.gov.uk",
    },
    {
        "name": "Angela Mistry",
        "role": "Early years adviser",
        "bio": (
            "Angela has led nursery and reception classes and now supports maintained "
            "nurseries, schools and private, voluntary and independent settings across the "
            "borough. Her work focuses on communication and language, the EYFS profile and "
            "early years inspection."
        ),
        "email": "angela.mistry@example.gov.uk",
    },
    {
        "name": "Gareth Lloyd",
        "role": "Governance services manager",
        "bio": (
            "Gareth leads the council's governor services team, which clerks governing "
            "boards and trains governors and trustees. He has chaired the governing board of "
            "a federation of two village primary schools and writes the termly governor "
            "briefing."
        ),
        "email": "gareth.lloyd@example.gov.uk",
    },
    {
        "name": "Joanne Pickering",
        "role": "Education safeguarding and attendance officer",
        "bio": (
            "Joanne works across the council's education safeguarding and attendance teams. "
            "She delivers designated safeguarding lead training, advises schools on "
            "allegations and Keeping children safe in education, and helps schools put the "
            "attendance guidance into practice."
        ),
        "email": "joanne.pickering@example.gov.uk",
    },
]

# Courses, grouped by strand. ``runs`` is how many dated runs to schedule and
# ``sessions_per_run`` how many dated sessions each run has. ``after_school`` courses run as
# twilight sessions (15:45-17:45); the others run as half or full days.
COURSES = [
    # ----------------------------------------------------------------------
    # Improving teaching and learning
    # ----------------------------------------------------------------------
    {
        "strand": "teaching-and-learning",
        "slug": "adaptive-teaching-in-practice",
        "title": "Adaptive teaching in practice",
        "summary": (
            "Two twilight sessions on adaptive teaching: planning lessons that the whole "
            "class can access, checking understanding in the moment and adjusting support "
            "without lowering expectations."
        ),
        "body": [
            (
                "Adaptive teaching is the language of Teachers' Standard 5 and the Initial "
                "Teacher Training and Early Career Framework, but many teachers are still "
                "unsure what it looks like day to day. This course sets out the difference "
                "between adapting teaching in response to pupils' needs and planning three "
                "versions of every task, and explains why the second approach tends to widen "
                "gaps rather than close them."
            ),
            (
                "Session one looks at planning: identifying the essential knowledge in a "
                "sequence of lessons, anticipating misconceptions and building in scaffolds "
                "that can be removed. Session two focuses on the lesson itself, using mini "
                "whiteboards, hinge questions and targeted questioning to decide who needs "
                "more support and who is ready to move on. Between sessions you will try one "
                "strategy with a class and bring back examples of pupils' work."
            ),
            (
                "The course is suitable for teachers in any phase and for teaching "
                "assistants who work alongside them. It links closely to our SEND courses "
                "for teachers and TAs."
            ),
        ],
        "outcomes": [
            "Explain the difference between adaptive teaching and task differentiation",
            "Plan scaffolds that support access to the same ambitious content",
            "Use checks for understanding to adjust teaching during a lesson",
            "Work with teaching assistants so that adult support builds independence",
        ],
        "audiences": ["teachers", "ects", "teaching-assistants"],
        "phases": ["primary", "secondary"],
        "subjects": ["Curriculum", "SEND"],
        "format": "in_person",
        "cpd_hours": "4.0",
        "price": "110.00",
        "runs": 2,
        "sessions_per_run": 2,
        "after_school": True,
    },
    {
        "strand": "teaching-and-learning",
        "slug": "metacognition-and-self-regulated-learning",
        "title": "Metacognition and self-regulated learning in the classroom",
        "summary": (
            "A practical day built around the EEF guidance on metacognition: teaching pupils "
            "to plan, monitor and evaluate their own learning in every subject."
        ),
        "body": [
            (
                "Metacognition is one of the best-evidenced approaches in the EEF Teaching "
                "and Learning Toolkit, yet it is often reduced to a poster about a growth "
                "mindset. This day works through the recommendations in the EEF guidance "
                "report and shows what explicit teaching of metacognitive strategies looks "
                "like in real lessons, from Year 2 writing to GCSE science."
            ),
            (
                "You will practise modelling your own thinking aloud, using worked examples "
                "and faded scaffolds, and structuring classroom talk so that pupils explain "
                "how they tackled a problem and not just the answer. We also look at how to "
                "judge whether pupils are becoming more independent, and at the common "
                "pitfalls, including teaching study skills in isolation from subject "
                "content."
            ),
            (
                "Subject and phase leaders who want to introduce metacognition across a "
                "department or school are welcome and will leave with a short staff meeting "
                "sequence they can adapt."
            ),
        ],
        "outcomes": [
            "Describe the plan, monitor and evaluate cycle and its place in your subject",
            "Model expert thinking explicitly using worked examples",
            "Plan classroom talk that develops pupils' metacognitive knowledge",
            "Lead a short staff development sequence on metacognition",
        ],
        "audiences": ["teachers", "middle-leaders"],
        "phases": ["all-phases"],
        "subjects": ["Curriculum", "Metacognition"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "165.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "teaching-and-learning",
        "slug": "phonics-securing-early-reading",
        "title": "Systematic synthetic phonics: securing early reading",
        "summary": (
            "A half-day refresher for reception and key stage 1 staff on high-quality "
            "phonics teaching, fidelity to your validated programme and keeping every child "
            "on track."
        ),
        "body": [
            (
                "This session is for teachers and teaching assistants who teach daily "
                "phonics, whichever DfE-validated systematic synthetic phonics programme "
                "your school uses. It covers the features of a well-paced phonics lesson, "
                "the importance of decodable books matched to the sounds pupils know, and "
                "why fidelity to one programme matters more than the choice of programme."
            ),
            (
                "The second half of the morning looks at the pupils at risk of falling "
                "behind. We discuss how to use your programme's assessments to identify them "
                "within days rather than at the end of a half term, how to organise same-day "
                "keep-up and longer-term catch-up sessions, and how to prepare pupils for "
                "the Year 1 phonics screening check without narrowing the curriculum."
            ),
            (
                "Reading leaders can book an optional follow-up visit, in which the "
                "facilitator observes phonics teaching alongside you and gives feedback to "
                "staff."
            ),
        ],
        "outcomes": [
            "Teach a phonics lesson with pace, high participation and accurate articulation",
            "Match decodable reading books to pupils' secure phonic knowledge",
            "Identify pupils who need keep-up or catch-up support quickly",
            "Prepare pupils for the phonics screening check as part of normal teaching",
        ],
        "audiences": ["teachers", "ects", "teaching-assistants"],
        "phases": ["early-years", "primary"],
        "subjects": ["Phonics", "Reading", "English"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 3,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "teaching-and-learning",
        "slug": "ect-induction-network",
        "title": "Early career teachers: making the most of induction",
        "summary": (
            "Three twilight sessions for early career teachers that complement provider-led "
            "ECT induction training with local networking, classroom practice and wellbeing "
            "support."
        ),
        "body": [
            (
                "ECT induction now lasts two years and is built on the Initial Teacher "
                "Training and Early Career Framework. Most schools use a provider-led "
                "programme, and this course does not replace it. Instead it gives early "
                "career teachers from schools across the borough the chance to meet, share "
                "what is working and get practical help with the things that come up most "
                "often in their first year."
            ),
            (
                "The three sessions cover establishing routines and managing behaviour in "
                "the first weeks of term, planning sequences of lessons and using assessment "
                "to adapt teaching, and working with parents, teaching assistants and the "
                "SENCO. Each session ends with time to discuss progress reviews and formal "
                "assessments with an experienced adviser, so that ECTs understand what their "
                "induction tutor and appropriate body will be looking for."
            ),
            (
                "Sessions run after school so that ECTs do not need cover. Induction tutors "
                "and mentors are welcome to attend the first session with their ECT."
            ),
        ],
        "outcomes": [
            "Establish clear routines and expectations with a new class",
            "Understand the stages of ECT induction, progress reviews and formal assessments",
            (
                "Use the Initial Teacher Training and Early Career Framework to set "
                "development targets"
            ),
            "Build a local network of early career colleagues for support",
        ],
        "audiences": ["ects"],
        "phases": ["all-phases"],
        "subjects": ["Behaviour", "Curriculum", "Wellbeing"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "150.00",
        "runs": 2,
        "sessions_per_run": 3,
        "after_school": True,
    },
    {
        "strand": "teaching-and-learning",
        "slug": "teaching-for-mastery-primary-maths",
        "title": "Teaching for mastery in primary maths",
        "summary": (
            "A full day for primary teachers and maths leads on small-step planning, "
            "representations and structures, and building fluency so the whole class moves "
            "through the curriculum together."
        ),
        "body": [
            (
                "This course introduces the main ideas behind teaching for mastery in "
                "primary mathematics and shows how they fit with the national curriculum and "
                "the DfE's non-statutory guidance on ready-to-progress criteria. It is aimed "
                "at schools that are starting out with mastery approaches and at teachers "
                "who are new to a school that already uses them."
            ),
            (
                "Through worked examples from Year 1 to Year 6 you will look at breaking a "
                "concept into small coherent steps, using concrete and pictorial "
                "representations to expose the structure of the mathematics, and designing "
                "practice that builds fluency without endless repetition. We also discuss "
                "same-day intervention and how to support pupils who have significant gaps "
                "in their number knowledge."
            ),
            (
                "Maths leads will receive a short audit tool for reviewing the consistency "
                "of mastery teaching across the school."
            ),
        ],
        "outcomes": [
            "Break a mathematical concept into small, coherent steps",
            "Choose representations that reveal mathematical structure",
            "Design varied practice that develops fluency and reasoning",
            "Plan same-day intervention for pupils who need it",
        ],
        "audiences": ["teachers", "ects", "middle-leaders"],
        "phases": ["primary"],
        "subjects": ["Maths"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "165.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "teaching-and-learning",
        "slug": "disciplinary-literacy-secondary",
        "title": "Disciplinary literacy across the secondary curriculum",
        "summary": (
            "A live online half day on teaching the reading, writing and vocabulary of each "
            "subject, for secondary teachers and heads of department."
        ),
        "body": [
            (
                "Every subject has its own ways of reading, writing and talking: a historian "
                "weighs sources, a scientist writes a method, a geographer describes a "
                "pattern in data. This course, based on the EEF guidance on improving "
                "literacy in secondary schools, helps departments teach those ways of "
                "working explicitly rather than treating literacy as the English "
                "department's job."
            ),
            (
                "We look at selecting and teaching tier 2 and tier 3 vocabulary, reading "
                "complex subject texts with the whole class, and modelling extended writing "
                "using examples from your own subject. There is a short section on "
                "identifying and supporting weaker readers in key stage 3, including using "
                "reading age data carefully."
            ),
            (
                "The course runs live online with breakout rooms by subject area. Please "
                "have a unit of work from your subject to hand."
            ),
        ],
        "outcomes": [
            "Identify the distinctive literacy demands of your subject",
            "Teach subject vocabulary explicitly and revisit it over time",
            "Model extended writing in the style of your discipline",
            "Support weaker readers to access subject texts",
        ],
        "audiences": ["teachers", "middle-leaders"],
        "phases": ["secondary"],
        "subjects": ["English", "Reading", "Curriculum"],
        "format": "online",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "teaching-and-learning",
        "slug": "classroom-behaviour-routines",
        "title": "Classroom behaviour: routines, relationships and consistency",
        "summary": (
            "A twilight session on creating calm, purposeful classrooms: teaching routines "
            "explicitly, responding consistently to low-level disruption and de-escalating "
            "when things go wrong."
        ),
        "body": [
            (
                "Good behaviour is taught, not simply expected. This session draws on the "
                "DfE guidance on behaviour in schools and the EEF guidance on improving "
                "behaviour to help teachers plan and teach the routines that make lessons "
                "run smoothly, from entering the room to moving between activities."
            ),
            (
                "We practise responses to low-level disruption that keep the lesson moving "
                "and protect relationships, and discuss how to apply the school's behaviour "
                "policy consistently while making reasonable adjustments for pupils with "
                "SEND. The final part of the session covers de-escalation and how to repair "
                "relationships after a difficult incident."
            ),
            (
                "The session is particularly useful for early career teachers, teachers "
                "returning to the classroom and teaching assistants who lead groups."
            ),
        ],
        "outcomes": [
            "Plan and teach classroom routines explicitly",
            "Respond to low-level disruption calmly and consistently",
            "Make reasonable adjustments within the school behaviour policy",
            "Use de-escalation techniques and restore relationships after an incident",
        ],
        "audiences": ["teachers", "ects", "teaching-assistants"],
        "phases": ["primary", "secondary", "special"],
        "subjects": ["Behaviour"],
        "format": "in_person",
        "cpd_hours": "2.0",
        "price": "60.00",
        "runs": 3,
        "sessions_per_run": 1,
        "after_school": True,
    },
    {
        "strand": "teaching-and-learning",
        "slug": "working-scientifically-primary",
        "title": "Working scientifically: practical science in the primary classroom",
        "summary": (
            "A hands-on twilight for primary teachers and science leads on planning "
            "enquiries that teach both scientific knowledge and the skills of working "
            "scientifically."
        ),
        "body": [
            (
                "Practical science is often the first thing to go when timetables are tight, "
                "and when it does happen it can become an activity rather than a lesson. "
                "This twilight looks at how to plan practical work that has a clear purpose, "
                "linked to the substantive knowledge pupils need, and how to teach the "
                "disciplinary knowledge of working scientifically progressively from Year 1 "
                "to Year 6."
            ),
            (
                "You will carry out several low-cost enquiries yourself, including fair "
                "testing, pattern seeking and observation over time, and discuss how to "
                "assess what pupils have learned from them. Science leads will receive a "
                "progression map for working scientifically that can be adapted to the "
                "school's own curriculum."
            ),
        ],
        "outcomes": [
            "Plan practical work with a clear learning purpose",
            "Teach the types of scientific enquiry progressively",
            "Assess pupils' understanding of working scientifically",
        ],
        "audiences": ["teachers", "middle-leaders"],
        "phases": ["primary"],
        "subjects": ["Science", "Curriculum"],
        "format": "in_person",
        "cpd_hours": "2.0",
        "price": "60.00",
        "runs": 1,
        "sessions_per_run": 1,
        "after_school": True,
    },
    # ----------------------------------------------------------------------
    # Developing leadership
    # ----------------------------------------------------------------------
    {
        "strand": "leadership",
        "slug": "middle-leadership-programme",
        "title": "Middle leadership development programme",
        "summary": (
            "A three-day programme for subject leaders, heads of department and phase "
            "leaders, with an improvement project in your own school between sessions."
        ),
        "body": [
            (
                "Middle leaders are where whole-school priorities meet the classroom, yet "
                "many take on the role with little preparation. This programme runs over "
                "three full days across a term. It covers leading a curriculum area, holding "
                "colleagues to account supportively, and managing your own time and "
                "workload."
            ),
            (
                "Day one looks at the middle leader's role in curriculum design and at "
                "understanding the quality of education in your area through lesson visits, "
                "book looks and pupil conversations. Day two is about leading people: giving "
                "feedback, having difficult conversations and developing colleagues. Day "
                "three focuses on leading change and evaluating its impact. Between sessions "
                "you will plan and start a small improvement project, which you present to "
                "the group on the final day."
            ),
            (
                "Participants are paired with a middle leader from another school for peer "
                "visits. Senior leaders are invited to the final afternoon to hear project "
                "presentations."
            ),
        ],
        "outcomes": [
            "Evaluate the quality of the curriculum and teaching in your area",
            "Give developmental feedback and handle difficult conversations",
            "Plan, lead and evaluate an improvement project",
            "Build a network of middle leaders in other schools",
        ],
        "audiences": ["middle-leaders"],
        "phases": ["primary", "secondary", "special"],
        "subjects": ["Curriculum", "Leadership"],
        "format": "in_person",
        "cpd_hours": "18.0",
        "price": "450.00",
        "runs": 2,
        "sessions_per_run": 3,
        "after_school": False,
    },
    {
        "strand": "leadership",
        "slug": "new-headteachers-programme",
        "title": "New headteachers: the first two years",
        "summary": (
            "Three days across the year for headteachers in their first or second year in "
            "post, covering finance, governance, staffing and school improvement planning."
        ),
        "body": [
            (
                "The first years of headship bring responsibilities that no previous role "
                "fully prepares you for. This programme, led by former headteachers, "
                "complements the NPQ for headship with practical, local information: how the "
                "council's HR, finance and governor services teams work with schools, how to "
                "read the school's budget and three-year forecast, and how to work with your "
                "governing board."
            ),
            (
                "Each day combines input with time in small groups to discuss live issues in "
                "confidence. Topics include setting a vision and improvement priorities, "
                "managing staffing changes fairly and lawfully, dealing with complaints and "
                "preparing for your first inspection as headteacher. New heads are also "
                "offered a mentor from an experienced local headteacher."
            ),
        ],
        "outcomes": [
            "Understand the council's support services and how to use them",
            "Interpret the school budget and plan for a sustainable staffing structure",
            "Work effectively with the chair and the governing board",
            "Set and communicate clear school improvement priorities",
        ],
        "audiences": ["headteachers"],
        "phases": ["all-phases"],
        "subjects": ["Leadership", "Governance"],
        "format": "in_person",
        "cpd_hours": "18.0",
        "price": "495.00",
        "runs": 1,
        "sessions_per_run": 3,
        "after_school": False,
    },
    {
        "strand": "leadership",
        "slug": "stepping-up-to-senior-leadership",
        "title": "Stepping up to senior leadership",
        "summary": (
            "Two days for experienced middle leaders and new assistant and deputy "
            "headteachers moving into whole-school roles."
        ),
        "body": [
            (
                "Moving from leading a team to leading across a school changes how you spend "
                "your time and how colleagues see you. This course helps aspiring and new "
                "senior leaders make that shift, looking at whole-school self-evaluation, "
                "leading staff development and taking responsibility for areas such as "
                "behaviour, attendance or the curriculum."
            ),
            (
                "The second day is built around a case study of a fictional school. Working "
                "in teams, you analyse its data and self-evaluation, agree priorities and "
                "present a plan to a panel of headteachers, who give feedback. This is good "
                "preparation for senior leadership interviews as well as the role itself."
            ),
        ],
        "outcomes": [
            "Understand the shift from team leadership to whole-school leadership",
            "Use evidence to identify whole-school priorities",
            "Plan staff development that changes practice",
            "Present a school improvement plan with confidence",
        ],
        "audiences": ["middle-leaders", "senior-leaders"],
        "phases": ["primary", "secondary", "special"],
        "subjects": ["Leadership"],
        "format": "in_person",
        "cpd_hours": "12.0",
        "price": "295.00",
        "runs": 1,
        "sessions_per_run": 2,
        "after_school": False,
    },
    {
        "strand": "leadership",
        "slug": "governor-essentials",
        "title": "Governor essentials: strategic leadership and accountability",
        "summary": (
            "Two evening-friendly sessions for new governors and those who want a refresher "
            "on the board's core functions, roles and responsibilities."
        ),
        "body": [
            (
                "This course is for governors in their first year and for any governor or "
                "trustee who would like to revisit the basics. It explains the three core "
                "functions of governance set out in the DfE governance guide: ensuring "
                "clarity of vision, ethos and strategic direction; holding leaders to "
                "account for educational performance; and overseeing financial performance."
            ),
            (
                "Session one covers the board's structure, the role of the clerk, committees "
                "and the difference between strategic and operational decisions. Session two "
                "looks at how governors gain assurance: reading the headteacher's report, "
                "visiting the school with a clear purpose and asking challenging but "
                "supportive questions. It also covers the governor's part in safeguarding, "
                "SEND and pupil premium."
            ),
            (
                "Clerks to governing boards are welcome, and boards can book several "
                "governors onto the same dates."
            ),
        ],
        "outcomes": [
            "Describe the three core functions of governance",
            "Distinguish strategic decisions from operational management",
            "Plan a focused governor visit",
            "Ask questions that hold leaders to account supportively",
        ],
        "audiences": ["governors"],
        "phases": ["all-phases"],
        "subjects": ["Governance"],
        "format": "online",
        "cpd_hours": "4.0",
        "price": "85.00",
        "runs": 2,
        "sessions_per_run": 2,
        "after_school": True,
    },
    {
        "strand": "leadership",
        "slug": "leading-staff-wellbeing-and-workload",
        "title": "Leading staff wellbeing and reducing workload",
        "summary": (
            "A half day for senior leaders on reducing unnecessary workload and supporting "
            "staff wellbeing through policy, not just pizza and yoga."
        ),
        "body": [
            (
                "Recruitment and retention depend on teachers and support staff feeling that "
                "their workload is manageable and that leaders take their wellbeing "
                "seriously. This course uses the DfE education staff wellbeing charter and "
                "workload reduction toolkit to help leaders review marking, planning, data "
                "collection and communication policies."
            ),
            (
                "You will carry out a workload audit on one of your own school's policies "
                "during the session and leave with a plan for consulting staff on changes. "
                "We also look at supporting colleagues who are struggling, working with "
                "occupational health and using the council's employee assistance programme."
            ),
        ],
        "outcomes": [
            "Identify the biggest drivers of workload in your school",
            "Review a school policy for unnecessary workload",
            "Plan a staff consultation on workload and wellbeing",
        ],
        "audiences": ["senior-leaders", "headteachers"],
        "phases": ["all-phases"],
        "subjects": ["Wellbeing", "Leadership"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 1,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "leadership",
        "slug": "leading-a-foundation-subject-primary",
        "title": "Primary subject leadership: leading a foundation subject",
        "summary": (
            "A full day for primary subject leaders in history, geography, art, music, "
            "design and technology, computing, PE and languages."
        ),
        "body": [
            (
                "In a primary school most teachers lead a subject, often one they did not "
                "specialise in. This course helps foundation subject leaders understand what "
                "a well-sequenced curriculum looks like in their subject and how to check "
                "that it is being taught as intended across the school."
            ),
            (
                "We look at identifying the substantive and disciplinary knowledge in your "
                "subject, building progression across mixed-age classes, and monitoring "
                "through book looks, pupil conversations and short lesson visits. You will "
                "also practise talking about your subject's curriculum clearly and "
                "concisely, which is useful for conversations with governors, new staff and "
                "inspectors."
            ),
        ],
        "outcomes": [
            "Identify the key knowledge and progression in your subject",
            "Adapt a curriculum for mixed-age classes",
            "Monitor the curriculum in a proportionate way",
            "Explain your subject's curriculum with clarity",
        ],
        "audiences": ["middle-leaders", "teachers"],
        "phases": ["primary"],
        "subjects": ["Curriculum", "Leadership"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "165.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "leadership",
        "slug": "mentoring-early-career-teachers",
        "title": "Mentoring early career teachers",
        "summary": (
            "Two twilight sessions for ECT mentors and induction tutors on instructional "
            "coaching, deliberate practice and supporting a struggling ECT."
        ),
        "body": [
            (
                "Good mentoring is the biggest single influence on how quickly early career "
                "teachers improve. This course supports mentors and induction tutors "
                "alongside the training provided by your lead provider, with a focus on the "
                "weekly mentor meeting."
            ),
            (
                "Session one introduces instructional coaching: observing a short part of a "
                "lesson, choosing one precise action step, modelling it and rehearsing it "
                "together. Session two covers what to do when an ECT is not making enough "
                "progress, including setting clear targets, recording support and working "
                "with the appropriate body, and how mentors look after their own workload."
            ),
        ],
        "outcomes": [
            "Run a focused weekly mentor meeting using instructional coaching",
            "Set precise, achievable action steps",
            "Support and document the progress of an ECT at risk of not meeting the standards",
        ],
        "audiences": ["teachers", "middle-leaders", "senior-leaders"],
        "phases": ["all-phases"],
        "subjects": ["Coaching", "Leadership"],
        "format": "in_person",
        "cpd_hours": "4.0",
        "price": "110.00",
        "runs": 1,
        "sessions_per_run": 2,
        "after_school": True,
    },
    # ----------------------------------------------------------------------
    # Using data
    # ----------------------------------------------------------------------
    {
        "strand": "using-data",
        "slug": "fft-aspire-and-analyse-school-performance",
        "title": "Making sense of FFT Aspire and Analyse School Performance data",
        "summary": (
            "A hands-on half day for data leads and senior leaders on the DfE Analyse School "
            "Performance (ASP) service, the Ofsted IDSR and FFT Aspire reports."
        ),
        "body": [
            (
                "Schools have more published and commissioned performance data than ever, "
                "and the same headline can look very different depending on which report you "
                "open. This course walks through the main sources side by side: the DfE "
                "Analyse School Performance (ASP) service, the Ofsted inspection data "
                "summary report (IDSR) and FFT Aspire dashboards and target-setting "
                "estimates."
            ),
            (
                "You will learn what each source measures, how the comparisons are made and "
                "where small cohorts make the figures unreliable. Using anonymised examples, "
                "we practise finding the two or three messages that really matter for your "
                "school, particularly for disadvantaged pupils and pupils with SEND, and "
                "presenting them to governors without drowning them in tables."
            ),
            (
                "Please bring a laptop and your own ASP and FFT log-ins if you have them. "
                "Sample data is provided for those who do not."
            ),
        ],
        "outcomes": [
            "Navigate ASP, the IDSR and FFT Aspire confidently",
            "Explain how progress and attainment comparisons are calculated",
            "Recognise when small cohorts make data unreliable",
            "Summarise the key messages for leaders and governors",
        ],
        "audiences": ["data-leads", "senior-leaders", "headteachers"],
        "phases": ["primary", "secondary"],
        "subjects": ["Assessment", "Data"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "using-data",
        "slug": "designing-manageable-assessment",
        "title": "Designing a manageable assessment system",
        "summary": (
            "A full day on the principles of effective assessment, for leaders reviewing how "
            "their school assesses, records and reports pupils' progress."
        ),
        "body": [
            (
                "Many schools still collect far more assessment data than they use. This "
                "course starts from first principles: what assessment is for, the difference "
                "between formative and summative assessment, and what makes an assessment "
                "valid and reliable enough for the decisions you base on it."
            ),
            (
                "In the afternoon you will review your school's own assessment calendar and "
                "decide what to keep, change or stop. We look at standardised tests, "
                "comparative judgement and curriculum-linked quizzes, and at how often "
                "summative data really needs to be collected. The day finishes with "
                "reporting to parents and governors in ways that are honest and useful."
            ),
        ],
        "outcomes": [
            "Apply the principles of validity and reliability to school assessments",
            "Distinguish formative and summative purposes of assessment",
            "Streamline an assessment calendar to reduce workload",
            "Report attainment and progress clearly to parents and governors",
        ],
        "audiences": ["data-leads", "senior-leaders", "middle-leaders"],
        "phases": ["all-phases"],
        "subjects": ["Assessment"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "165.00",
        "runs": 1,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "using-data",
        "slug": "ks2-writing-moderation",
        "title": "KS2 writing moderation: applying the teacher assessment framework",
        "summary": (
            "A half day for Year 6 teachers and assessment leads on making accurate, "
            "evidence-based KS2 writing judgements using the teacher assessment framework."
        ),
        "body": [
            (
                "The council has a statutory duty to moderate key stage 2 writing teacher "
                "assessment in a sample of schools each year. This session, led by members "
                "of the local moderation team, helps Year 6 teachers make secure judgements "
                "well before the moderation window."
            ),
            (
                "Working with anonymised collections of pupils' writing, you will apply the "
                "pupil can statements for working towards, at and at greater depth within "
                "the expected standard, and discuss borderline cases. We cover what counts "
                "as independent writing, how much editing is allowed and how to build a "
                "collection across the year that reflects a range of purposes and audiences."
            ),
            (
                "Year 5 teachers and English leads are welcome. Bring two or three examples "
                "of your own pupils' writing to moderate with colleagues from other schools."
            ),
        ],
        "outcomes": [
            "Apply the KS2 writing teacher assessment framework accurately",
            "Understand the rules on independent writing and editing",
            "Build evidence collections that support secure judgements",
        ],
        "audiences": ["teachers", "middle-leaders", "data-leads"],
        "phases": ["primary"],
        "subjects": ["English", "Assessment"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 3,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "using-data",
        "slug": "eyfs-profile-accurate-judgements",
        "title": "EYFS profile: making accurate end-of-reception judgements",
        "summary": (
            "A twilight for reception teachers and early years leads on completing the EYFS "
            "profile accurately, without unnecessary evidence gathering."
        ),
        "body": [
            (
                "The EYFS profile relies on teachers' professional knowledge of each child "
                "rather than on folders of photographs and observations. This twilight "
                "explains the requirements of the EYFS profile handbook and how to reach a "
                "best-fit judgement against each early learning goal."
            ),
            (
                "We discuss children at the borderline of expected and emerging, and how to "
                "use the profile to have useful transition conversations with Year 1 "
                "teachers and parents. There is also a short update on the council's EYFS "
                "profile moderation visits and what moderators will ask to see."
            ),
        ],
        "outcomes": [
            "Make best-fit judgements against the early learning goals",
            "Reduce unnecessary evidence gathering",
            "Use profile outcomes to plan transition to Year 1",
        ],
        "audiences": ["teachers", "middle-leaders"],
        "phases": ["early-years"],
        "subjects": ["Assessment", "Early years"],
        "format": "in_person",
        "cpd_hours": "2.0",
        "price": "60.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": True,
    },
    {
        "strand": "using-data",
        "slug": "data-for-governors",
        "title": "Data for governors: asking the right questions",
        "summary": (
            "A live online evening session helping governors and trustees understand school "
            "performance data and use it to challenge and support leaders."
        ),
        "body": [
            (
                "Governors are expected to understand their school's performance, but most "
                "are not data specialists. This session explains the main measures used in "
                "primary and secondary schools, what the inspection data summary report "
                "shows and what it does not, and the difference between a real trend and "
                "normal variation in a small cohort."
            ),
            (
                "Using a sample governors' data pack, you will practise spotting the "
                "questions worth asking: about disadvantaged pupils, pupils with SEND, "
                "attendance and the progress of particular groups. You will leave with a "
                "one-page prompt sheet to use in meetings."
            ),
        ],
        "outcomes": [
            "Understand the main measures of school performance",
            "Recognise the limits of data for small cohorts",
            "Ask focused questions about the performance of groups of pupils",
        ],
        "audiences": ["governors"],
        "phases": ["all-phases"],
        "subjects": ["Assessment", "Governance"],
        "format": "online",
        "cpd_hours": "2.0",
        "price": "55.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": True,
    },
    {
        "strand": "using-data",
        "slug": "improving-attendance-using-data",
        "title": "Improving attendance: using data to target support",
        "summary": (
            "A half day on the statutory attendance guidance, analysing attendance data and "
            "acting early for pupils at risk of persistent absence."
        ),
        "body": [
            (
                "The DfE guidance Working together to improve school attendance became "
                "statutory in August 2024. It expects schools to have an attendance champion "
                "on the senior leadership team, to analyse their attendance data regularly "
                "and to work with families and the local authority to remove barriers to "
                "attendance."
            ),
            (
                "This course, run jointly with the council's attendance team, shows how to "
                "use the DfE's monitor your school attendance tool and your own management "
                "information system to spot patterns early: by year group, day of the week, "
                "and groups such as pupils with SEND or a social worker. We look at the "
                "support-first approach, when to make a referral, and how the council's "
                "attendance support and legal intervention processes work."
            ),
            (
                "You will leave with an attendance data analysis template and a checklist "
                "for reviewing your attendance policy."
            ),
        ],
        "outcomes": [
            "Understand school and local authority duties in the attendance guidance",
            "Analyse attendance data to identify patterns and pupils at risk",
            "Plan early, support-first interventions with families",
            "Know when and how to escalate to the council's attendance team",
        ],
        "audiences": ["senior-leaders", "data-leads", "dsl"],
        "phases": ["primary", "secondary", "special"],
        "subjects": ["Attendance", "Data"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "using-data",
        "slug": "assessment-and-data-leads-network",
        "title": "Assessment and data leads network",
        "summary": (
            "A free termly online network for data and assessment leads: national and local "
            "updates, results analysis and shared solutions to common problems."
        ),
        "body": [
            (
                "The network meets once a term online. Each meeting starts with a national "
                "update on statutory assessment, the DfE and Ofsted data products and any "
                "changes to performance measures, followed by a local picture of results and "
                "attendance compiled by the council's performance team."
            ),
            (
                "The second half of the meeting is given over to a topic chosen by members, "
                "such as setting up a new management information system, reporting to "
                "governors or using standardised tests, with time to share practice. The "
                "network is free to all schools and academies in the borough."
            ),
        ],
        "outcomes": [
            "Stay up to date with changes to statutory assessment and performance measures",
            "Compare your school's results with the local picture",
            "Share solutions with data leads from other schools",
        ],
        "audiences": ["data-leads", "senior-leaders"],
        "phases": ["all-phases"],
        "subjects": ["Assessment", "Data"],
        "format": "online",
        "cpd_hours": "2.0",
        "price": "0.00",
        "runs": 3,
        "sessions_per_run": 1,
        "after_school": True,
    },
    # ----------------------------------------------------------------------
    # Building capacity for inclusion
    # ----------------------------------------------------------------------
    {
        "strand": "inclusion",
        "slug": "send-essentials-for-teaching-assistants-primary",
        "title": "SEND essentials for teaching assistants in primary schools",
        "summary": (
            "Two practical twilight sessions of SEND training for teaching assistants (TAs) "
            "in primary schools: the four areas of need, effective support and promoting "
            "independence."
        ),
        "body": [
            (
                "Teaching assistants do much of the day-to-day work with pupils with special "
                "educational needs and disabilities, often with little formal training. This "
                "course gives primary TAs a clear grounding in the SEND Code of Practice, "
                "the four broad areas of need and the graduated approach of assess, plan, do "
                "and review."
            ),
            (
                "Session one covers communication and interaction needs, including autism "
                "and speech and language difficulties, and cognition and learning needs such "
                "as dyslexia. Session two looks at social, emotional and mental health needs "
                "and sensory and physical needs, and at how TAs can support pupils without "
                "creating dependence, drawing on the EEF guidance on making best use of "
                "teaching assistants. There is time to discuss real situations from your own "
                "school."
            ),
            (
                "The sessions are after school so that TAs can attend without the school "
                "paying for cover. SENCOs are encouraged to book TAs as a group."
            ),
        ],
        "outcomes": [
            "Describe the four broad areas of need in the SEND Code of Practice",
            "Use practical strategies for each area of need",
            "Support pupils in ways that build independence",
            "Contribute to assess, plan, do, review cycles",
        ],
        "audiences": ["teaching-assistants"],
        "phases": ["primary"],
        "subjects": ["SEND"],
        "format": "in_person",
        "cpd_hours": "4.0",
        "price": "95.00",
        "runs": 3,
        "sessions_per_run": 2,
        "after_school": True,
    },
    {
        "strand": "inclusion",
        "slug": "senco-network",
        "title": "SENCO network meeting",
        "summary": (
            "The free termly network for SENCOs in all phases: local SEND updates, EHC needs "
            "assessment processes and shared practice."
        ),
        "body": [
            (
                "The SENCO network meets each term and is free to every school and academy "
                "in the borough. Meetings bring together SENCOs from mainstream and special "
                "schools with colleagues from the council's SEND casework, educational "
                "psychology and specialist teaching services."
            ),
            (
                "Each meeting includes a national and local SEND update, including changes "
                "to the local offer and EHC needs assessment processes, followed by a focus "
                "topic such as preparing for annual reviews, transition to secondary school "
                "or using high needs funding. There is time for SENCOs to raise questions "
                "with council officers and to share practice with one another."
            ),
        ],
        "outcomes": [
            "Keep up to date with national and local SEND developments",
            "Understand current council processes for EHC needs assessments and annual reviews",
            "Build links with other SENCOs and specialist services",
        ],
        "audiences": ["sencos"],
        "phases": ["all-phases"],
        "subjects": ["SEND"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "0.00",
        "runs": 3,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "inclusion",
        "slug": "new-senco-induction",
        "title": "New to role SENCO induction",
        "summary": (
            "Three half-day sessions for newly appointed SENCOs covering the statutory role, "
            "local processes and leading SEND provision across the school."
        ),
        "body": [
            (
                "Newly appointed SENCOs in maintained schools and academies must complete "
                "the NPQ for SENCOs (which replaced the NASENCO award) within three years of "
                "appointment. That qualification covers national policy and leadership in "
                "depth; this induction course gives you the local knowledge and practical "
                "tools to do the job from your first term."
            ),
            (
                "Session one covers the SENCO's statutory responsibilities, the SEND "
                "register and working with parents. Session two explains the council's "
                "graduated response guidance, requests for EHC needs assessment, annual "
                "reviews and how to get the best from specialist services. Session three "
                "looks at leading SEND across the school: provision mapping, supporting "
                "teachers with adaptive teaching and reporting to governors."
            ),
            (
                "Experienced SENCOs who have moved to a new school or phase in the borough "
                "are also welcome."
            ),
        ],
        "outcomes": [
            "Understand the statutory responsibilities of the SENCO role",
            "Follow local processes for EHC needs assessments and annual reviews",
            "Map and evaluate SEND provision across the school",
            "Report on SEND provision to leaders and governors",
        ],
        "audiences": ["sencos"],
        "phases": ["all-phases"],
        "subjects": ["SEND", "Leadership"],
        "format": "blended",
        "cpd_hours": "9.0",
        "price": "295.00",
        "runs": 1,
        "sessions_per_run": 3,
        "after_school": False,
    },
    {
        "strand": "inclusion",
        "slug": "dsl-refresher",
        "title": "Designated safeguarding lead refresher",
        "summary": (
            "A full-day safeguarding refresher for DSLs and deputy DSLs, meeting the Keeping "
            "children safe in education expectation of update training every two years."
        ),
        "body": [
            (
                "Keeping children safe in education requires designated safeguarding leads "
                "and their deputies to update their training at least every two years, and "
                "to refresh their knowledge at regular intervals in between. This DSL "
                "refresher day covers the latest changes to statutory guidance and the local "
                "safeguarding children partnership's procedures."
            ),
            (
                "Topics include the current version of Keeping children safe in education, "
                "online safety and filtering and monitoring, child-on-child abuse, children "
                "missing education, and the link between poor attendance and safeguarding "
                "risk. We use case studies to practise threshold decisions and referrals to "
                "the council's front door, and look at record keeping and the information "
                "that must transfer when a pupil changes school."
            ),
            (
                "Delegates receive a certificate of attendance to keep on the school's "
                "single central record of training."
            ),
        ],
        "outcomes": [
            "Apply the latest changes in Keeping children safe in education",
            "Make confident threshold decisions and referrals",
            "Oversee filtering and monitoring arrangements",
            "Maintain accurate safeguarding records and transfer files",
        ],
        "audiences": ["dsl", "headteachers", "senior-leaders"],
        "phases": ["all-phases"],
        "subjects": ["Safeguarding"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "165.00",
        "runs": 3,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "inclusion",
        "slug": "understanding-autism-classroom-strategies",
        "title": "Understanding autism: practical classroom strategies",
        "summary": (
            "A live online twilight for teachers and teaching assistants on understanding "
            "autistic pupils' experiences and making reasonable adjustments in ordinary "
            "classrooms."
        ),
        "body": [
            (
                "Autistic pupils are taught in every school, most of them in mainstream "
                "classrooms. This session, delivered with the council's specialist teaching "
                "service, explains autism in terms of differences in communication, social "
                "interaction, sensory processing and the need for predictability, and how "
                "these can affect learning and behaviour."
            ),
            (
                "We look at practical, low-cost adjustments: visual timetables and task "
                "lists, clear and literal instructions, managing transitions and reducing "
                "sensory overload. There is also guidance on working with parents and on "
                "recognising anxiety, masking and emotionally based school avoidance."
            ),
        ],
        "outcomes": [
            "Describe common differences in autistic pupils' experience of school",
            "Make practical adjustments to the classroom and routines",
            "Recognise signs of anxiety and masking",
        ],
        "audiences": ["teachers", "teaching-assistants", "sencos"],
        "phases": ["primary", "secondary", "special"],
        "subjects": ["SEND", "Wellbeing"],
        "format": "online",
        "cpd_hours": "2.0",
        "price": "60.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": True,
    },
    {
        "strand": "inclusion",
        "slug": "speech-language-communication-early-years",
        "title": "Speech, language and communication in the early years",
        "summary": (
            "A half day for early years practitioners and reception teachers on identifying "
            "speech and language needs early and building a language-rich environment."
        ),
        "body": [
            (
                "Communication and language underpin every area of the EYFS, and children "
                "who start school with poor language are at risk of falling behind in "
                "reading and writing. This course helps practitioners identify children who "
                "need support, using simple screening alongside their own observations, and "
                "know when to refer to speech and language therapy."
            ),
            (
                "Most of the morning is practical: high-quality adult-child interaction, "
                "shared reading and storytelling, teaching vocabulary through play and "
                "running short, structured small-group language sessions. Teaching "
                "assistants who lead language groups are particularly welcome."
            ),
        ],
        "outcomes": [
            "Identify children with speech, language and communication needs",
            "Use interaction strategies that extend children's language",
            "Plan structured small-group language sessions",
            "Know when and how to refer to specialist services",
        ],
        "audiences": ["teachers", "teaching-assistants", "sencos"],
        "phases": ["early-years"],
        "subjects": ["SEND", "Early years", "Communication"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "inclusion",
        "slug": "closing-the-disadvantage-gap",
        "title": "Closing the disadvantage gap: making pupil premium count",
        "summary": (
            "A half day for leaders and governors on building an evidence-informed pupil "
            "premium strategy that puts high-quality teaching first."
        ),
        "body": [
            (
                "Pupil premium strategies often spread funding across too many small "
                "interventions. This course uses the EEF's tiered approach, which "
                "prioritises high-quality teaching, followed by targeted academic support "
                "and wider strategies, to help leaders concentrate funding where it will "
                "make the most difference."
            ),
            (
                "You will review the DfE template for the pupil premium strategy statement, "
                "look at examples of strong and weak statements, and plan how to evaluate "
                "the impact of your current approaches. There is a section for governors on "
                "what good oversight of pupil premium looks like."
            ),
        ],
        "outcomes": [
            "Apply the EEF tiered approach to pupil premium spending",
            "Write a focused pupil premium strategy statement",
            "Evaluate the impact of approaches on disadvantaged pupils",
        ],
        "audiences": ["senior-leaders", "headteachers", "governors"],
        "phases": ["all-phases"],
        "subjects": ["Pupil premium", "Leadership"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 1,
        "sessions_per_run": 1,
        "after_school": False,
    },
    # ----------------------------------------------------------------------
    # Preparing for inspection
    # ----------------------------------------------------------------------
    {
        "strand": "inspection",
        "slug": "new-ofsted-framework-for-middle-leaders",
        "title": "The new Ofsted framework: what middle leaders need to know",
        "summary": (
            "A half-day briefing for middle leaders on the renewed Ofsted framework, report "
            "cards and evaluation areas, and what inspection conversations with subject and "
            "phase leaders now involve."
        ),
        "body": [
            (
                "Ofsted's renewed education inspection framework replaced single-word "
                "judgements with report cards, in which schools are graded on a five-point "
                "scale across a set of evaluation areas, including inclusion, curriculum and "
                "teaching, achievement, attendance and behaviour, personal development and "
                "well-being, and leadership and governance. This briefing explains the new "
                "framework from the point of view of middle leaders."
            ),
            (
                "We look at the toolkits inspectors use and what they are likely to ask "
                "subject leaders, heads of department and phase leaders: how the curriculum "
                "in your area is planned and sequenced, how you know it is being taught "
                "well, and how you make sure disadvantaged pupils and pupils with SEND learn "
                "the curriculum as well as their peers. You will practise explaining your "
                "area's strengths and priorities concisely."
            ),
            (
                "The briefing is deliberately calm and practical. It is not a mock "
                "inspection and there are no scripts to learn."
            ),
        ],
        "outcomes": [
            "Understand the structure of the renewed framework and report cards",
            "Know what inspectors look for in curriculum and teaching",
            "Explain your area's strengths and priorities clearly",
            "Show how your area includes disadvantaged pupils and pupils with SEND",
        ],
        "audiences": ["middle-leaders"],
        "phases": ["primary", "secondary", "special"],
        "subjects": ["Curriculum", "Inspection"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 3,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "inspection",
        "slug": "curriculum-deep-dives-for-subject-leaders",
        "title": "Curriculum deep dives: preparing subject leaders",
        "summary": (
            "A full day for subject leaders on the curriculum deep dive: how inspectors look "
            "at a subject and how to evaluate your own curriculum first."
        ),
        "body": [
            (
                "Inspectors still want to see how the curriculum is planned, taught and "
                "assessed in individual subjects, through conversations with leaders, visits "
                "to lessons, looking at pupils' work and talking to pupils. Schools know "
                "this activity as a curriculum deep dive. This course helps subject leaders "
                "carry out the same activity themselves, so that they understand their "
                "subject well and are not relying on preparing for a visit."
            ),
            (
                "In the morning you will plan a deep dive into your own subject and practise "
                "the leader conversation with a colleague from another school. In the "
                "afternoon we visit classrooms at the host school to practise lesson visits "
                "and work scrutiny, then discuss what the evidence shows and how to turn "
                "findings into next steps."
            ),
        ],
        "outcomes": [
            "Carry out a curriculum deep dive in your own subject",
            "Connect lesson visits, work scrutiny and pupil conversations",
            "Talk about your curriculum's intent and sequencing with confidence",
            "Turn findings into a short subject improvement plan",
        ],
        "audiences": ["middle-leaders", "teachers"],
        "phases": ["primary", "secondary"],
        "subjects": ["Curriculum", "Inspection"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "165.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "inspection",
        "slug": "headteachers-inspection-update",
        "title": "Headteachers' inspection update briefing",
        "summary": (
            "A free termly online briefing for headteachers and senior leaders on recent "
            "inspection outcomes, changes to Ofsted guidance and local lessons learned."
        ),
        "body": [
            (
                "This free briefing is held online each term. The council's school "
                "improvement team summarises recent changes to Ofsted handbooks, toolkits "
                "and operating guides, and shares anonymised themes from recent inspections "
                "of schools in the borough, including what went well and where schools felt "
                "less prepared."
            ),
            (
                "There is time for questions, and headteachers who have recently been "
                "inspected are invited to share their experience. Slides and a written "
                "summary are sent to all schools after each briefing."
            ),
        ],
        "outcomes": [
            "Stay up to date with changes to inspection guidance",
            "Learn from the recent inspection experiences of local schools",
            "Identify any implications for your school's self-evaluation",
        ],
        "audiences": ["headteachers", "senior-leaders"],
        "phases": ["all-phases"],
        "subjects": ["Inspection"],
        "format": "online",
        "cpd_hours": "2.0",
        "price": "0.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": True,
    },
    {
        "strand": "inspection",
        "slug": "governors-and-inspection",
        "title": "Governors and inspection: what to expect",
        "summary": (
            "A twilight session for governors and trustees on their part in inspection, from "
            "the notification call to the report card."
        ),
        "body": [
            (
                "Inspectors will meet governors or trustees during an inspection, usually "
                "including the chair, and will want to understand how the board holds "
                "leaders to account and fulfils its statutory duties, including "
                "safeguarding. This session explains what happens during an inspection and "
                "what governors can expect to be asked."
            ),
            (
                "We look at how governors can show that they know the school's strengths and "
                "priorities, how the board's minutes and visit records provide evidence of "
                "challenge and support, and the governing board's responsibilities after the "
                "report is published. The session is led by the council's governance "
                "services manager with a headteacher who has recently been inspected."
            ),
        ],
        "outcomes": [
            "Understand the stages of an inspection and governors' part in it",
            "Prepare to talk about the school's strengths and priorities",
            "Use minutes and visit records as evidence of effective governance",
        ],
        "audiences": ["governors"],
        "phases": ["all-phases"],
        "subjects": ["Governance", "Inspection"],
        "format": "in_person",
        "cpd_hours": "2.0",
        "price": "55.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": True,
    },
    {
        "strand": "inspection",
        "slug": "self-evaluation-and-improvement-planning",
        "title": "Self-evaluation and school improvement planning",
        "summary": (
            "A full day for headteachers and senior leaders on accurate, concise "
            "self-evaluation and an improvement plan that drives real change."
        ),
        "body": [
            (
                "Good self-evaluation is short, honest and based on evidence, and it exists "
                "to help the school improve rather than to impress an inspector. This course "
                "helps leaders review their self-evaluation against the evaluation areas of "
                "the renewed framework, test their judgements against the evidence and "
                "identify the few priorities that matter most."
            ),
            (
                "In the afternoon you will turn those priorities into an improvement plan "
                "with clear actions, milestones and success criteria that can be checked by "
                "governors. Participants are invited to bring their current self-evaluation "
                "summary and plan for peer review."
            ),
        ],
        "outcomes": [
            "Write a concise, evidence-based self-evaluation",
            "Test self-evaluation judgements against the evidence",
            "Plan improvement priorities with measurable success criteria",
        ],
        "audiences": ["headteachers", "senior-leaders"],
        "phases": ["all-phases"],
        "subjects": ["Inspection", "Leadership"],
        "format": "in_person",
        "cpd_hours": "6.0",
        "price": "165.00",
        "runs": 1,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "inspection",
        "slug": "early-years-inspection-readiness",
        "title": "Early years inspection: nursery and reception",
        "summary": (
            "A half day for early years leads and teachers on how the early years are "
            "inspected in schools, and on evaluating your own EYFS curriculum and provision."
        ),
        "body": [
            (
                "Where a school has nursery or reception classes, early years is a separate "
                "evaluation area in the inspection report card. This course explains what "
                "inspectors look for in the early years: a well-planned curriculum, a strong "
                "focus on communication and language and early reading, good relationships "
                "and routines, and safe, well-supervised provision."
            ),
            (
                "You will review your EYFS curriculum and practise explaining how it "
                "prepares children for key stage 1, and how you identify and support "
                "children with SEND or who are disadvantaged. There is also time to discuss "
                "the learning environment, staff deployment and the statutory requirements "
                "of the EYFS framework."
            ),
        ],
        "outcomes": [
            "Understand how the early years are evaluated during inspection",
            "Review the EYFS curriculum for ambition and sequencing",
            "Explain how provision supports children with SEND and disadvantaged children",
        ],
        "audiences": ["teachers", "middle-leaders", "senior-leaders"],
        "phases": ["early-years"],
        "subjects": ["Early years", "Inspection", "Curriculum"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 1,
        "sessions_per_run": 1,
        "after_school": False,
    },
    {
        "strand": "inspection",
        "slug": "inclusion-and-inspection",
        "title": "Inclusion under the renewed inspection framework",
        "summary": (
            "A half day for SENCOs and senior leaders on the inclusion evaluation area and "
            "how to show that disadvantaged pupils and pupils with SEND thrive."
        ),
        "body": [
            (
                "Inclusion is now a separate evaluation area in Ofsted's school report card, "
                "and inspectors also consider inclusion across the other areas. This course "
                "helps SENCOs and senior leaders understand what inspectors will explore: "
                "how well leaders identify pupils who need extra support, how effectively "
                "that support is put in place, and whether these pupils achieve well, attend "
                "regularly and take part fully in school life."
            ),
            (
                "You will evaluate your school's inclusion using the inspection toolkit "
                "alongside your own data on SEND, disadvantage and attendance, and identify "
                "gaps in your evidence. We also discuss the use of alternative provision, "
                "part-time timetables and managed moves, and the safeguarding questions they "
                "raise."
            ),
        ],
        "outcomes": [
            "Understand the inclusion evaluation area and toolkit",
            "Evaluate how well the school identifies and supports pupils who need help",
            "Use SEND, disadvantage and attendance data as evidence",
            "Review the use of alternative provision and part-time timetables",
        ],
        "audiences": ["sencos", "senior-leaders", "headteachers"],
        "phases": ["all-phases"],
        "subjects": ["SEND", "Inspection", "Attendance"],
        "format": "in_person",
        "cpd_hours": "3.0",
        "price": "95.00",
        "runs": 2,
        "sessions_per_run": 1,
        "after_school": False,
    },
]

NEWS = [
    {
        "slug": "pay-as-you-go-booking-now-online",
        "title": "Pay-as-you-go booking is now online",
        "date": "2026-09-07",
        "intro": (
            "Schools can now book places on any course in the programme online, see the "
            "price for their school straight away and pay by invoice or card."
        ),
        "body": [
            (
                "From the start of the autumn term, every course in the programme can be "
                "booked through this website. Teachers can find a course, check dates and "
                "places left, and request a place; school CPD leads can book colleagues "
                "directly, approve requests and see all of their school's bookings in one "
                "place."
            ),
            (
                "Booking online does not change how you pay. Schools continue to pay only "
                "for the places they book, with no annual subscription. Your school is "
                "invoiced for the places it books, and invoices quote your purchase order "
                "number if you give one. Finance and business managers can now see invoices "
                "and statements online and pay by card or BACS."
            ),
            (
                "Bookings can still be made by phone or email with the bookings team if you "
                "prefer. Sign in with your school email address to get started."
            ),
        ],
    },
    {
        "slug": "new-partnership-for-inclusion-strand",
        "title": "New partnership strengthens our inclusion courses",
        "date": "2026-10-05",
        "intro": (
            "The council's specialist teaching and educational psychology services are now "
            "co-designing and co-delivering courses in the Building capacity for inclusion "
            "strand."
        ),
        "body": [
            (
                "Requests for SEND training have risen sharply over the last two years, "
                "particularly for teaching assistants and for mainstream teachers supporting "
                "autistic pupils. To meet that demand, the school improvement service has "
                "agreed a partnership with the council's specialist teaching service and "
                "educational psychology service to plan and deliver inclusion courses "
                "together."
            ),
            (
                "The first courses under the partnership, including SEND essentials for "
                "teaching assistants in primary schools and Understanding autism: practical "
                "classroom strategies, are open for booking now. SENCOs told us that they "
                "want training that reflects local processes for EHC needs assessments and "
                "the graduated response, and the new courses are built around them."
            ),
            ("The termly SENCO network remains free to all schools and academies in the borough."),
        ],
    },
    {
        "slug": "spring-term-2027-programme-published",
        "title": "Spring term 2027 programme published",
        "date": "2026-11-16",
        "intro": (
            "Dates for the spring term are now live, including new courses on the renewed "
            "Ofsted framework, attendance and adaptive teaching."
        ),
        "body": [
            (
                "The spring term programme runs from January to March 2027 and includes more "
                "than thirty courses across the five strands. New this term are a half-day "
                "briefing on the new Ofsted framework for middle leaders, a course on using "
                "attendance data to target support, and twilight sessions on adaptive "
                "teaching."
            ),
            (
                "In response to feedback from schools, more courses now run as twilight "
                "sessions or live online, so that colleagues can attend without the cost of "
                "cover. The middle leadership development programme and new to role SENCO "
                "induction have spring cohorts for colleagues who took up posts in January."
            ),
            (
                "Popular courses, including the designated safeguarding lead refresher and "
                "KS2 writing moderation, filled quickly last year. If a course is full you "
                "can join the waiting list and we will offer you a place if one becomes free "
                "or if we add further dates."
            ),
        ],
    },
]

HOME = {
    "hero_heading": "Professional development for schools, by the session",
    "hero_intro": (
        "Courses, networks and programmes for teachers, teaching assistants, leaders and "
        "governors, from the council's school improvement service. Find a course, check "
        "dates and places, and book for yourself or your colleagues. You pay only for the "
        "places you book."
    ),
}

# The home page's body: a testimonial and the questions schools ask most.
HOME_BODY = [
    (
        "testimonial",
        {
            "quote": (
                "Our teaching assistants came back from the SEND essentials course with "
                "strategies they used the next morning, and the gap tasks kept it going."
            ),
            "name": "Priya Shah",
            "role": "SENCo, Oakfield Primary School",
            "photo": None,
        },
    ),
    (
        "faq",
        {
            "heading": "Questions schools ask",
            "items": [
                {
                    "question": "Do we need a subscription to book?",
                    "answer": "<p>No. You pay only for the places you book. Partner schools "
                    "pay the partner price automatically.</p>",
                },
                {
                    "question": "Can we send a colleague instead?",
                    "answer": "<p>Yes. Your CPD lead can substitute a delegate at any time "
                    "before the course, free of charge.</p>",
                },
                {
                    "question": "What if we need to cancel?",
                    "answer": "<p>Cancel free of charge until the date shown on the course "
                    "page; after that the course's late-cancellation charge applies.</p>",
                },
            ],
        },
    ),
]

BOOKING_TERMS = {
    "title": "Booking terms",
    "intro": (
        "The terms you accept when you book a place on one of our courses. The page you book "
        "on states the price, VAT and the last day to cancel free for that course."
    ),
    "body": [
        (
            "<strong>Booking.</strong> You can book for yourself if you are on your school's "
            "staff list; CPD leads and headteachers can book for colleagues. If your school "
            "asks for approval, your CPD lead decides: we hold the place for 72 hours, and if "
            "nobody decides the request lapses and the place is released. We email a "
            "confirmation, with a calendar file, when a place is confirmed."
        ),
        (
            "<strong>Prices and VAT.</strong> Each place costs the price shown for your school "
            "when you book, and keeps that price. VAT is added at the rate the course carries "
            "(most are standard-rated at 20%). Places paid from single-purpose prepaid credit "
            "bear no further VAT."
        ),
        (
            "<strong>Invoicing and payment.</strong> We invoice your school (or your trust, if "
            "it is billed centrally) for each booking, or on a monthly statement if your "
            "account is set up that way. Invoices are due within 30 days, by bank transfer "
            "(BACS) quoting the invoice number, or online where the invoice offers it."
        ),
        (
            "<strong>Cancelling.</strong> You can cancel free of charge until the notice "
            "period before the first session, shown on each course page and in your "
            "confirmation. After that the course's late cancellation charge applies, unless "
            "we fill the place from the waiting list. You can send a colleague instead at any "
            "time before the course starts, free of charge."
        ),
        (
            "<strong>Not attending.</strong> A place not taken up without cancelling may be "
            "charged, as the course page says."
        ),
        (
            "<strong>Changes we make.</strong> If we move or cancel a session we tell everyone "
            "booked. If we cancel a course, every place is cancelled free and anything "
            "invoiced is credited."
        ),
    ],
}

ABOUT = {
    "title": "About the service",
    "intro": (
        "We are the council's school improvement service. We sell professional development "
        "to schools and academies on a pay-as-you-go basis, alongside the statutory work the "
        "council carries out with schools causing concern."
    ),
    "body": [
        (
            "When grant funding for national strategies consultants came to an end, the "
            "council kept a small core team for its statutory school improvement duties. "
            "Everything else the service offers is traded: schools choose whether to buy it, "
            "and the income pays for the advisers and consultants who deliver it. We compete "
            "with teaching school hubs, trusts and national providers, and we only continue "
            "to exist if schools find our courses worth paying for."
        ),
        (
            "We used to sell school improvement support through annual subscriptions at "
            "bronze, silver and gold levels. Schools told us clearly that they preferred to "
            "pay for what they use, when they need it, at a fair price. Since then the offer "
            "has been pay-as-you-go: every course has a price per place, there is no annual "
            "fee, and a school can book one place on one course as easily as a programme for "
            "a whole staff team."
        ),
        (
            "The programme is organised in five strands: Improving teaching and learning; "
            "Developing leadership; Using data; Building capacity for inclusion; and "
            "Preparing for inspection. Courses are for everyone who works in or with "
            "schools, from early career teachers and teaching assistants to SENCOs, "
            "designated safeguarding leads, headteachers and governors, in early years "
            "settings and in primary, secondary and special schools."
        ),
        (
            "Our facilitators are experienced teachers, school leaders and council "
            "specialists who work with local schools every week. We ask every delegate to "
            "evaluate their course, report the results to the service's management board "
            "each term, and use them to decide what to run next. If you need support that is "
            "not in the programme, such as whole-staff training or work with a particular "
            "department, use the enquiry form to ask about bespoke support."
        ),
    ],
}

ENQUIRY_FORM = {
    "title": "Ask about bespoke support",
    "intro": (
        "As well as the published programme, our advisers can provide training and support "
        "tailored to your school: whole-staff INSET, work with a department or phase team, "
        "reviews of SEND provision or leadership coaching. Tell us what you need and we will "
        "be in touch within five working days with a suggested approach and a quotation."
    ),
    "thank_you_text": (
        "Thank you for your enquiry. A member of the school improvement team will contact "
        "you within five working days to discuss your needs. If your request is urgent, "
        "please phone the bookings team."
    ),
    "fields": [
        {
            "label": "Your name",
            "field_type": "singleline",
            "required": True,
            "choices": "",
        },
        {
            "label": "School or setting",
            "field_type": "singleline",
            "required": True,
            "choices": "",
        },
        {
            "label": "Email address",
            "field_type": "email",
            "required": True,
            "choices": "",
        },
        {
            "label": "Which strand is closest to what you need?",
            "field_type": "dropdown",
            "required": True,
            "choices": (
                "Improving teaching and learning,Developing leadership,Using data,Building "
                "capacity for inclusion,Preparing for inspection"
            ),
        },
        {
            "label": "What support do you need?",
            "field_type": "multiline",
            "required": True,
            "choices": "",
        },
    ],
}
