package robinx

// A hand-written instance with one element of each kind (two CA1), and a
// phased double round robin for it. Some attributes have spaces around
// "=", as a few ITC2021 files do.
const tinyInstance = `<?xml version="1.0" encoding="UTF-8"?>
<Instance>
  <MetaData>
    <InstanceName>Tiny 1</InstanceName>
  </MetaData>
  <Structure>
    <Format leagueIds="0">
      <numberRoundRobin>2</numberRoundRobin>
      <compactness>C</compactness>
      <gameMode>P</gameMode>
    </Format>
  </Structure>
  <Resources>
    <Teams>
      <team id="0" league="0" name="Team 0" teamGroups=""/>
      <team id="1" league="0" name="Team 1" teamGroups=""/>
      <team id = "2" league="0" name="Team 2"/>
      <team id="3" league="0" name="Team 3"/>
    </Teams>
    <Slots>
      <slot id="0" name="Slot 0" slotGroup=""/>
      <slot id="1" name="Slot 1" slotGroup=""/>
      <slot id="2" name="Slot 2" slotGroup=""/>
      <slot id="3" name="Slot 3" slotGroup=""/>
      <slot id="4" name="Slot 4" slotGroup=""/>
      <slot id="5" name="Slot 5" slotGroup=""/>
    </Slots>
  </Resources>
  <Constraints>
    <BasicConstraints/>
    <CapacityConstraints>
      <CA1 max="0" min="0" mode="H" penalty="1" slotGroups="" slots="3" teamGroups="" teams="0" type="HARD"/>
      <CA1 max = "1" mode="A" penalty="5" slots="1;4" teams="2;1" type="SOFT"/>
      <CA2 max="1" min="0" mode1="HA" mode2="GLOBAL" penalty="1" slots="0;1;2" teams1="0" teams2="1;2" type="SOFT"/>
      <CA3 intp="3" max="2" min="0" mode1="A" mode2="SLOTS" penalty="1" teams1="0;1;2;3" teams2="0;1;2;3" type="HARD"/>
      <CA4 max="3" min="1" mode1="H" mode2="EVERY" penalty="10" slots="5" teams1="0;1" teams2="2;3" type="SOFT"/>
    </CapacityConstraints>
    <GameConstraints>
      <GA1 max="0" meetings="1,3;2,0;" min="0" penalty="1" slots="2" type="HARD"/>
    </GameConstraints>
    <BreakConstraints>
      <BR1 intp="0" mode1="LEQ" mode2="HA" penalty="1" slots="1;2" teams="3" type="HARD"/>
      <BR2 intp="2" homeMode="HA" mode2="LEQ" penalty="1" slots="0;1;2;3;4;5" teams="0;1;2;3" type="SOFT"/>
    </BreakConstraints>
    <FairnessConstraints>
      <FA2 intp="1" mode="H" penalty="1" slots="2;5" teams="0;1;2;3" type="SOFT"/>
    </FairnessConstraints>
    <SeparationConstraints>
      <SE1 mode1="SLOTS" min="1" penalty="1" teams="0;1;2;3" type="SOFT"/>
    </SeparationConstraints>
  </Constraints>
</Instance>
`

const tinySolution = `<?xml version="1.0" ?>
<Solution>
  <MetaData>
    <InstanceName>Tiny 1</InstanceName>
    <ObjectiveValue infeasibility = "0" objective="7"/>
  </MetaData>
  <Games>
    <ScheduledMatch home="0" away="1" slot="0"/>
    <ScheduledMatch home="2" away="3" slot="0"/>
    <ScheduledMatch home="2" away="0" slot="1"/>
    <ScheduledMatch home="1" away="3" slot="1"/>
    <ScheduledMatch home="0" away="3" slot="2"/>
    <ScheduledMatch home="2" away="1" slot="2"/>
    <ScheduledMatch home="1" away="0" slot="3"/>
    <ScheduledMatch home="3" away="2" slot="3"/>
    <ScheduledMatch home="0" away="2" slot="4"/>
    <ScheduledMatch home="3" away="1" slot="4"/>
    <ScheduledMatch home="3" away="0" slot="5"/>
    <ScheduledMatch home="1" away="2" slot="5"/>
  </Games>
</Solution>
`
